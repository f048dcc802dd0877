package proxy

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// ErrPACMemory is an evaluation stopped at the sandbox's memory bound: the
// script allocated more than pacMaxAlloc, or one built-in call would have.
// The text names the bound; judges recognise it by "memory bound".
var ErrPACMemory = fmt.Errorf("PAC evaluation went past its memory bound (%d MiB)", pacMaxAlloc>>20)

// ErrPACTime is an evaluation stopped at the sandbox's time bound.
var ErrPACTime = errors.New("PAC evaluation took too long")

// The costs a built-in call is weighed with, before it runs.
const (
	// elementCost is one element of an array a built-in walks or builds:
	// goja's Value (16 bytes) and the box, string or property around it.
	// An array longer than pacMaxAlloc/elementCost (1 Mi elements) is past
	// the bound for any built-in; a real PAC's arrays hold dozens.
	elementCost = 64
	// charCost is one character of a string: goja keeps a string holding
	// any non-ASCII character as UTF-16.
	charCost = 2
	// numberChars is what a number takes as text, at most.
	numberChars = 24
	// stringifyCost is one value JSON.stringify serializes through a
	// replacer: its key as a string, the call's arguments, its text.
	stringifyCost = 256
)

// Why a guard: goja checks for an interrupt between instructions, not
// inside a built-in, so one call of a native loop ("x".repeat(1<<29) makes
// 512 MiB in one allocation and then fills it; new Array(3e8).join() walks
// 3e8 elements, allocating 5 GiB on the way) runs to its end whatever the
// allocation watch and the clock say. Each guard weighs its call from its
// arguments (a count, a length) and stops the evaluation before the call
// when one call alone would pass the bound. A built-in called after the
// evaluation was stopped returns at once, so a native loop calling it (a
// join over nested arrays) ends quickly too.

// pacGuard wraps the built-ins named in names of the object at where;
// cost weighs one call.
type pacGuard struct {
	where string
	names []string
	cost  func(c *guardCall) (bytes float64, what string)
}

// pacGuards is every built-in whose one call can allocate, or walk,
// without bound. Built-ins whose result is no larger than their input
// (slice of a string, indexOf) are left alone: the input was already
// allocated, under the watch.
var pacGuards = []pacGuard{
	{"String.prototype", []string{"repeat"}, costRepeat},
	{"String.prototype", []string{"padStart", "padEnd"}, costPad},
	{"String.prototype", []string{"split", "match", "matchAll"}, costPieces},
	{"String.prototype", []string{"replace", "replaceAll"}, costReplace},
	{"String.prototype", []string{"concat"}, costConcat},
	{"String.prototype", []string{"normalize", "toUpperCase", "toLowerCase", "toLocaleUpperCase", "toLocaleLowerCase"}, costCase},
	{"String", []string{"fromCharCode", "fromCodePoint"}, costArgs},
	{"", []string{"escape", "encodeURI", "encodeURIComponent"}, costEscape},
	{"Array.prototype", []string{"join", "toString", "toLocaleString"}, costJoin},
	{"Array.prototype", []string{"concat"}, costArrayConcat},
	{"Array.prototype", []string{"copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex",
		"flatMap", "forEach", "includes", "indexOf", "lastIndexOf", "map", "reduce", "reduceRight", "reverse",
		"shift", "slice", "some", "sort", "splice", "toReversed", "toSorted", "toSpliced", "unshift", "with"}, costWalkThis},
	{"%TypedArray%.prototype", []string{"copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex",
		"forEach", "includes", "indexOf", "join", "lastIndexOf", "map", "reduce", "reduceRight", "reverse", "set", "slice",
		"some", "sort", "toLocaleString", "toReversed", "toSorted", "toString", "with"}, costWalkThis},
	{"Array", []string{"from"}, costArg(0)},
	{"%TypedArray%", []string{"from"}, costArg(0)},
	{"Function.prototype", []string{"apply"}, costArg(1)},
	{"Reflect", []string{"apply"}, costArg(2)},
	{"Reflect", []string{"construct"}, costArg(1)},
	{"Reflect", []string{"ownKeys"}, costArg(0)},
	{"Array.prototype", []string{"flat"}, costFlat},
	{"JSON", []string{"stringify"}, costStringify},
	{"String", []string{"raw"}, costRaw},
	{"Object", []string{"keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors", "fromEntries"}, costArg(0)},
	{"Object", []string{"assign"}, costAllArgs},
}

// pacTypedArrays are the constructors that allocate their buffer at once,
// with the bytes per element.
var pacTypedArrays = map[string]float64{
	"ArrayBuffer": 1, "Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1, "Int16Array": 2, "Uint16Array": 2,
	"Int32Array": 4, "Uint32Array": 4, "Float32Array": 4, "Float64Array": 8, "BigInt64Array": 8, "BigUint64Array": 8,
}

// guardCall is one call to a guarded built-in. A guard that converts an
// argument (ToString, ToNumber) passes the converted value on, so a
// valueOf or toString runs once, as it would without the guard, and cannot
// answer the guard one thing and the built-in another.
type guardCall struct {
	vm   *goja.Runtime
	name string
	over func(error) // stops the evaluation, for a guard that weighs the call as it runs
	goja.FunctionCall
}

func (c *guardCall) arg(i int) goja.Value { return c.Argument(i) }

// thisString converts the receiver of a String.prototype method (a
// string, or anything but null and undefined) once; ok is false for null
// and undefined, which the built-in itself rejects.
func (c *guardCall) thisString() (goja.String, bool) {
	if s, ok := c.This.(goja.String); ok {
		return s, true
	}
	if c.This == nil || goja.IsUndefined(c.This) || goja.IsNull(c.This) {
		return nil, false
	}
	s, _ := c.This.ToString().(goja.String)
	if s != nil {
		c.This = s
	}
	return s, s != nil
}

// argString converts argument i to a string once.
func (c *guardCall) argString(i int) goja.String {
	if i >= len(c.Arguments) {
		return nil
	}
	if s, ok := c.Arguments[i].(goja.String); ok {
		return s
	}
	if _, isObj := c.Arguments[i].(*goja.Object); isObj {
		return nil // a RegExp, or an object converted by the built-in's own rules
	}
	s, _ := c.Arguments[i].ToString().(goja.String)
	if s != nil {
		c.Arguments[i] = s
	}
	return s
}

// argNumber converts argument i to a number once.
func (c *guardCall) argNumber(i int) float64 {
	if i >= len(c.Arguments) || goja.IsUndefined(c.Arguments[i]) {
		return math.NaN()
	}
	n := c.Arguments[i].ToNumber()
	c.Arguments[i] = n
	return n.ToFloat()
}

// length is an array-like's length (an array, typed array, arguments
// object, a string, or an object with a length), 0 for anything else.
func length(v goja.Value) float64 {
	switch v := v.(type) {
	case goja.String:
		return float64(v.Length())
	case *goja.Object:
		l := v.Get("length")
		if l == nil {
			return 0
		}
		n := l.ToFloat()
		if math.IsNaN(n) || n < 0 {
			return 0
		}
		return n
	}
	return 0
}

func costRepeat(c *guardCall) (float64, string) {
	s, ok := c.thisString()
	n := c.argNumber(0)
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0, "" // the built-in answers (or throws its RangeError)
	}
	chars := float64(s.Length()) * math.Trunc(n)
	return chars * charCost, fmt.Sprintf("%s would make a string of %.0f characters", c.name, chars)
}

func costPad(c *guardCall) (float64, string) {
	if _, ok := c.thisString(); !ok {
		return 0, ""
	}
	n := c.argNumber(0)
	c.argString(1)
	if math.IsNaN(n) || n < 0 {
		return 0, ""
	}
	return n * charCost, fmt.Sprintf("%s would make a string of %.0f characters", c.name, n)
}

// costPieces weighs split, match and matchAll: at most one piece per
// character, and one more.
func costPieces(c *guardCall) (float64, string) {
	s, ok := c.thisString()
	if !ok {
		return 0, ""
	}
	n := float64(s.Length())
	return (n+1)*elementCost + n*charCost, fmt.Sprintf("%s of a string of %.0f characters could make %.0f pieces", c.name, n, n+1)
}

// costReplace weighs replace and replaceAll with a replacement string: its
// literal text at each of up to n+1 matches, $& and $1… adding up to the
// string once each, and $` or $' up to the whole string at each match. A
// replacement function's results are made by the script, under the watch.
func costReplace(c *guardCall) (float64, string) {
	s, ok := c.thisString()
	if !ok {
		return 0, ""
	}
	n := float64(s.Length())
	if fn, isFunc := goja.AssertFunction(c.arg(1)); isFunc && fn != nil {
		return n * charCost, ""
	}
	repl := c.argString(1)
	if repl == nil {
		return n * charCost, ""
	}
	text := repl.String()
	literal, whole, context := float64(len(text)), 0.0, 0.0
	for i := 0; i+1 < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		switch t := text[i+1]; {
		case t == '&' || t >= '0' && t <= '9' || t == '<':
			whole++
		case t == '`' || t == '\'':
			context++
		}
	}
	chars := n + (n+1)*literal + whole*n + context*(n+1)*n
	return chars * charCost, fmt.Sprintf("%s on a string of %.0f characters could make %.0f characters", c.name, n, chars)
}

func costConcat(c *guardCall) (float64, string) {
	s, ok := c.thisString()
	if !ok {
		return 0, ""
	}
	chars := float64(s.Length())
	for i := range c.Arguments {
		if a := c.argString(i); a != nil {
			chars += float64(a.Length())
		} else {
			chars += numberChars
		}
	}
	return chars * charCost, fmt.Sprintf("%s would make a string of %.0f characters", c.name, chars)
}

// costCase weighs the case and normalization conversions: a character can
// become three (ß → SS, ǰ → J̌, and normalization's decompositions).
func costCase(c *guardCall) (float64, string) {
	s, ok := c.thisString()
	if !ok {
		return 0, ""
	}
	n := float64(s.Length())
	return 3 * n * charCost, fmt.Sprintf("%s of a string of %.0f characters", c.name, n)
}

// costEscape weighs escape (a character becomes up to six) and the URI
// encoders (up to nine: %XX for each of three UTF-8 bytes).
func costEscape(c *guardCall) (float64, string) {
	s := c.argString(0)
	if s == nil {
		return 0, ""
	}
	n := float64(s.Length())
	return 9 * n * charCost, fmt.Sprintf("%s of a string of %.0f characters", c.name, n)
}

func costArgs(c *guardCall) (float64, string) {
	n := float64(len(c.Arguments))
	return n * (elementCost + 2*charCost), fmt.Sprintf("%s of %.0f arguments", c.name, n)
}

// costArg weighs a built-in that walks its argument i (an array-like).
func costArg(i int) func(c *guardCall) (float64, string) {
	return func(c *guardCall) (float64, string) {
		n := length(c.arg(i))
		return n * elementCost, fmt.Sprintf("%s over %.0f elements", c.name, n)
	}
}

func costAllArgs(c *guardCall) (float64, string) {
	n := 0.0
	for _, a := range c.Arguments {
		n += length(a)
	}
	return n * elementCost, fmt.Sprintf("%s over %.0f elements", c.name, n)
}

// costWalkThis weighs an array method by the array it walks: each of its
// elements, holes included.
func costWalkThis(c *guardCall) (float64, string) {
	n := length(c.This)
	return n * elementCost, fmt.Sprintf("%s over %.0f elements", c.name, n)
}

func costArrayConcat(c *guardCall) (float64, string) {
	n := length(c.This)
	for _, a := range c.Arguments {
		if o, ok := a.(*goja.Object); ok && o.ClassName() == "Array" {
			n += length(o)
		} else {
			n++
		}
	}
	return n * elementCost, fmt.Sprintf("%s would make an array of %.0f elements", c.name, n)
}

// costFlat weighs flat by the elements it will copy: those of the arrays
// nested in this one, down to its depth (1 unless told), counted until the
// count passes the bound.
func costFlat(c *guardCall) (float64, string) {
	depth := 1.0
	if d := c.argNumber(0); !math.IsNaN(d) {
		depth = d
	}
	limit := float64(pacMaxAlloc / elementCost)
	var count func(v goja.Value, depth float64) float64
	count = func(v goja.Value, depth float64) float64 {
		o, ok := v.(*goja.Object)
		if !ok || o.ClassName() != "Array" {
			return 1
		}
		n := length(o)
		if depth < 1 || n > limit {
			return n
		}
		total := 0.0
		for i := 0; i < int(n) && total <= limit; i++ {
			total += count(o.Get(strconv.Itoa(i)), depth-1)
		}
		return total
	}
	n := count(c.This, depth+1)
	return n * elementCost, fmt.Sprintf("%s would make an array of %.0f elements or more", c.name, n)
}

// costStringify weighs JSON.stringify as it runs: a replacer of the
// guard's, around the script's own, counts every value serialized and the
// text of every string, and stops the evaluation once they pass the bound
// (nested arrays make the text, not the top one's length). With an
// allow-list of keys for replacer, which a function cannot stand in for,
// the value is weighed by its top level only.
func costStringify(c *guardCall) (float64, string) {
	n := length(c.arg(0))
	what := fmt.Sprintf("%s over %.0f elements", c.name, n)
	if n*elementCost > pacMaxAlloc {
		return n * elementCost, what
	}
	user, hasUser := goja.AssertFunction(c.arg(1))
	if !hasUser && !goja.IsUndefined(c.arg(1)) && !goja.IsNull(c.arg(1)) {
		if o, ok := c.arg(1).(*goja.Object); ok && o.ClassName() == "Array" {
			return n * elementCost, what // an allow-list
		}
	}
	var bytes float64
	counted := func(call goja.FunctionCall) goja.Value {
		v := call.Argument(1)
		if hasUser {
			var err error
			if v, err = user(call.This, call.Arguments...); err != nil {
				panic(err)
			}
		}
		bytes += stringifyCost
		if s, ok := v.(goja.String); ok {
			bytes += float64(s.Length()) * charCost
		}
		if bytes > pacMaxAlloc {
			c.over(fmt.Errorf("%w: %s would write more than that", ErrPACMemory, c.name))
			panic(c.vm.NewGoError(ErrPACMemory)) // ends the serialization; the evaluation stops at the next instruction
		}
		return v
	}
	for len(c.Arguments) < 2 {
		c.Arguments = append(c.Arguments, goja.Undefined())
	}
	c.Arguments[1] = c.vm.ToValue(counted)
	return n * elementCost, what
}

// costRaw weighs String.raw by its template's raw strings.
func costRaw(c *guardCall) (float64, string) {
	o, ok := c.arg(0).(*goja.Object)
	if !ok {
		return 0, ""
	}
	n := length(o.Get("raw"))
	return n * (elementCost + charCost), fmt.Sprintf("%s over %.0f strings", c.name, n)
}

// costJoin weighs join (and the toString that calls it): the walk, the
// separators, and the text of the elements that are strings or numbers
// (an element that is an array joins under its own guard). The elements
// are read only while the sum stays within the bound.
func costJoin(c *guardCall) (float64, string) {
	n := length(c.This)
	what := fmt.Sprintf("%s over an array of %.0f elements", c.name, n)
	walk := n * elementCost
	if walk > pacMaxAlloc || n == 0 {
		return walk, what
	}
	sep := 1.0
	if c.name == "Array.prototype.join" {
		if s := c.argString(0); s != nil {
			sep = float64(s.Length())
		}
	}
	chars := (n - 1) * sep
	if o, ok := c.This.(*goja.Object); ok {
		for i := 0; i < int(n) && (walk+chars*charCost) <= pacMaxAlloc; i++ {
			switch e := o.Get(strconv.Itoa(i)).(type) {
			case goja.String:
				chars += float64(e.Length())
			case nil, *goja.Object:
			default:
				if !goja.IsUndefined(e) && !goja.IsNull(e) {
					chars += numberChars
				}
			}
		}
	}
	return walk + chars*charCost, fmt.Sprintf("%s would make a string of %.0f characters or more", c.name, chars)
}

// pacIterators are the built-ins that make an iterator over an array or a
// string. Spread (f(...a), [...a]), destructuring and the Set and Map
// constructors step an iterator in one native loop; it is weighed when it
// is made, by what it will walk.
var pacIterators = []struct {
	where string
	names []string
}{
	{"Array.prototype", []string{"values", "keys", "entries"}},
	{"%TypedArray%.prototype", []string{"values", "keys", "entries"}},
}

// guardBuiltins wraps every built-in of pacGuards and pacIterators, and
// the typed-array constructors, in vm. over is told why the evaluation must
// stop; stopped says whether it already has, and a guarded built-in then
// returns at once.
func guardBuiltins(vm *goja.Runtime, over func(error), stopped func() bool) {
	typedArray := vm.Get("Uint8Array").ToObject(vm).Prototype() // %TypedArray%
	objects := map[string]*goja.Object{
		"":                       vm.GlobalObject(),
		"%TypedArray%":           typedArray,
		"%TypedArray%.prototype": typedArray.Get("prototype").ToObject(vm),
	}
	object := func(path string) *goja.Object {
		if o, ok := objects[path]; ok {
			return o
		}
		o := vm.GlobalObject()
		for _, name := range strings.Split(path, ".") {
			o = o.Get(name).ToObject(vm)
		}
		objects[path] = o
		return o
	}
	// guard wraps fn, named full, behind cost.
	guard := func(fn goja.Value, full string, cost func(*guardCall) (float64, string)) (goja.Value, bool) {
		orig, ok := goja.AssertFunction(fn)
		if !ok {
			return nil, false
		}
		return vm.ToValue(func(call goja.FunctionCall) goja.Value {
			if stopped() {
				return goja.Undefined()
			}
			c := &guardCall{vm: vm, name: full, over: over, FunctionCall: call}
			c.Arguments = append([]goja.Value(nil), call.Arguments...)
			if bytes, what := cost(c); bytes > pacMaxAlloc {
				over(fmt.Errorf("%w: %s", ErrPACMemory, what))
				return goja.Undefined() // the next instruction stops the script
			}
			v, err := orig(c.This, c.Arguments...)
			if err != nil {
				panic(err) // a JavaScript exception stays catchable, an interrupt does not
			}
			return v
		}), true
	}
	for _, g := range pacGuards {
		obj := object(g.where)
		for _, name := range g.names {
			full := name
			if g.where != "" {
				full = g.where + "." + name
			}
			if w, ok := guard(obj.Get(name), full, g.cost); ok {
				obj.DefineDataProperty(name, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			}
		}
	}
	// Iterators: the array's values is also its [Symbol.iterator], and a
	// string's [Symbol.iterator] walks its characters.
	for _, g := range pacIterators {
		obj := object(g.where)
		for _, name := range g.names {
			w, ok := guard(obj.Get(name), g.where+"."+name, costWalkThis)
			if !ok {
				continue
			}
			if name == "values" {
				obj.DefineDataPropertySymbol(goja.SymIterator, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
			}
			obj.DefineDataProperty(name, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	str := object("String.prototype")
	if w, ok := guard(str.GetSymbol(goja.SymIterator), "String.prototype[Symbol.iterator]", costWalkThis); ok {
		str.DefineDataPropertySymbol(goja.SymIterator, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	for _, sym := range []*goja.Symbol{goja.SymSplit, goja.SymMatch, goja.SymMatchAll, goja.SymReplace} {
		proto := object("RegExp.prototype")
		orig, ok := goja.AssertFunction(proto.GetSymbol(sym))
		if !ok {
			continue
		}
		name := "RegExp.prototype[" + sym.String() + "]"
		wrapped := func(call goja.FunctionCall) goja.Value {
			if stopped() {
				return goja.Undefined()
			}
			// The string is the first argument; weigh it as the String
			// method would, the replacement second.
			c := &guardCall{vm: vm, name: name, FunctionCall: goja.FunctionCall{This: call.Argument(0), Arguments: []goja.Value{goja.Undefined(), call.Argument(1)}}}
			cost := costPieces
			if sym == goja.SymReplace {
				cost = costReplace
			}
			if bytes, what := cost(c); bytes > pacMaxAlloc {
				over(fmt.Errorf("%w: %s", ErrPACMemory, what))
				return goja.Undefined()
			}
			args := append([]goja.Value(nil), call.Arguments...)
			if len(args) > 0 {
				args[0] = c.This
			}
			if sym == goja.SymReplace && len(args) > 1 {
				args[1] = c.Arguments[1]
			}
			v, err := orig(call.This, args...)
			if err != nil {
				panic(err)
			}
			return v
		}
		proto.DefineDataPropertySymbol(sym, vm.ToValue(wrapped), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	vm.Set("__allocate", func(ctor string, a goja.Value) {
		if stopped() {
			return
		}
		per := pacTypedArrays[ctor]
		var n float64
		switch a := a.(type) {
		case *goja.Object:
			if a.ClassName() == "ArrayBuffer" {
				return // a view of a buffer already made
			}
			n = length(a) * (per + elementCost)
		case nil:
		default:
			if !goja.IsUndefined(a) {
				n = a.ToNumber().ToFloat() * per
			}
		}
		if n > pacMaxAlloc {
			over(fmt.Errorf("%w: new %s of %.0f bytes", ErrPACMemory, ctor, n))
		}
	})
}

// pacTypedArrayGuard puts the typed-array constructors behind __allocate:
// a subclass, so instanceof, the prototype's methods and the statics stay.
const pacTypedArrayGuard = `
(function (allocate) {
  var names = ['ArrayBuffer', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  var g = globalThis;
  names.forEach(function (name) {
    var Base = g[name];
    if (typeof Base !== 'function') return;
    var Guarded = class extends Base {
      constructor() { allocate(name, arguments[0]); super(...arguments); }
    };
    Object.defineProperty(Guarded, 'name', {value: name, configurable: true});
    Object.defineProperty(g, name, {value: Guarded, writable: true, enumerable: false, configurable: true});
  });
})(__allocate);
`
