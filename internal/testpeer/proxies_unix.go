//go:build !windows

package testpeer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemon starts a peer program in its own process group, waits until addr
// accepts connections, and ends the group at cleanup.
func daemon(t testing.TB, addr string, name string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (scripts/test installs it): %v", name, err)
	}
	startDaemon(t, exec.Command(path, args...), name, func() bool { return WaitListening(addr, 100*time.Millisecond) == nil })
}

// startDaemon starts cmd in its own process group, waits until up says it
// serves (15 s at most), and ends the group at cleanup. name says what it
// is in failures, with what it printed.
func startDaemon(t testing.TB, cmd *exec.Cmd, name string, up func() bool) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("%s exited: %s", name, out.String())
		default:
		}
		if up() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not start serving: %s", name, out.String())
}

// sharedDir is a temporary folder that peers running as their own user
// (squid drops to "proxy") can read and write.
func sharedDir(t testing.TB) string {
	dir := TempDir(t)
	os.Chmod(dir, 0o777)
	return dir
}

// Tinyproxy runs tinyproxy as a plain CONNECT proxy and returns its address.
func Tinyproxy(t testing.TB) string {
	t.Helper()
	dir := sharedDir(t)
	addr := ClosedPort(t)
	conf := filepath.Join(dir, "tinyproxy.conf")
	writeFile(t, conf, []byte(fmt.Sprintf("Port %d\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nMaxClients 100\nLogLevel Warning\n", Port(t, addr))))
	daemon(t, addr, "tinyproxy", "-d", "-c", conf)
	return addr
}

// SquidOptions shape a squid proxy.
type SquidOptions struct {
	// BumpCA, when set, makes squid intercept TLS (ssl-bump), signing the
	// certificates it forges with this CA.
	BumpCA *PKI
	// User and Password, when set, make squid require basic authentication.
	User, Password string
	// AuthSchemes make squid require authentication by these schemes
	// instead, with its own helpers: "negotiate" and "ntlm"
	// (ntlm_fake_auth), "digest" (digest_file_auth). Its 407 then offers
	// them in this order.
	AuthSchemes []string
	// DenyPorts are ports squid refuses to CONNECT to (403), as a proxy's
	// rules refuse a blocked site.
	DenyPorts []int
	// AllowUpgrade lets WebSocket upgrades through a bumped connection
	// (http_upgrade_request_protocols). By default squid drops the
	// Upgrade header, the real-world failure of decrypting proxies.
	AllowUpgrade bool
	// TLS makes squid an HTTPS proxy (https_port): the client speaks TLS
	// to squid itself, with this PKI's server certificate, then CONNECT;
	// what a PAC's "HTTPS host:port" names.
	TLS *PKI
	// Hosts are names squid resolves from its own hosts file (name →
	// address), so a test name reaches a loopback server through it.
	Hosts map[string]string
}

// Squid runs squid (squid-openssl) and returns its address.
func Squid(t testing.TB, o SquidOptions) string {
	t.Helper()
	dir := sharedDir(t)
	addr := ClosedPort(t)
	var conf strings.Builder
	port := fmt.Sprintf("http_port %s", addr)
	if o.TLS != nil {
		port = fmt.Sprintf("https_port %s tls-cert=%s tls-key=%s", addr, o.TLS.CertFile, o.TLS.KeyFile)
	}
	if o.BumpCA != nil {
		bump := filepath.Join(dir, "bump.pem")
		key, _ := os.ReadFile(o.BumpCA.CAKeyFile)
		ca, _ := os.ReadFile(o.BumpCA.CAFile)
		writeFile(t, bump, append(key, ca...))
		db := filepath.Join(dir, "ssl_db")
		if out, err := exec.Command("/usr/lib/squid/security_file_certgen", "-c", "-s", db, "-M", "4MB").CombinedOutput(); err != nil {
			t.Fatalf("security_file_certgen: %v: %s", err, out)
		}
		exec.Command("chown", "-R", "proxy", db).Run()
		port += fmt.Sprintf(" ssl-bump cert=%s generate-host-certificates=on dynamic_cert_mem_cache_size=4MB", bump)
		fmt.Fprintf(&conf, "sslcrtd_program /usr/lib/squid/security_file_certgen -s %s -M 4MB\n", db)
		conf.WriteString("acl step1 at_step SslBump1\nssl_bump peek step1\nssl_bump bump all\ntls_outgoing_options flags=DONT_VERIFY_PEER\n")
	}
	conf.WriteString(port + "\n")
	if o.AllowUpgrade {
		conf.WriteString("http_upgrade_request_protocols websocket allow all\n")
	}
	if len(o.Hosts) > 0 {
		var hosts strings.Builder
		for name, addr := range o.Hosts {
			fmt.Fprintf(&hosts, "%s %s\n", addr, name)
		}
		file := filepath.Join(dir, "hosts")
		writeFile(t, file, []byte(hosts.String()))
		fmt.Fprintf(&conf, "hosts_file %s\n", file)
	}
	for _, p := range o.DenyPorts {
		fmt.Fprintf(&conf, "acl denied_%d port %d\nhttp_access deny denied_%d\n", p, p, p)
	}
	if len(o.AuthSchemes) > 0 {
		for _, scheme := range o.AuthSchemes {
			switch scheme {
			case "negotiate", "ntlm":
				fmt.Fprintf(&conf, "auth_param %s program /usr/lib/squid/ntlm_fake_auth\nauth_param %s children 1\n", scheme, scheme)
			case "digest":
				users := filepath.Join(dir, "digest-users")
				writeFile(t, users, []byte("alice:s3cret\n"))
				fmt.Fprintf(&conf, "auth_param digest program /usr/lib/squid/digest_file_auth %s\nauth_param digest realm qadoctor\nauth_param digest children 1\n", users)
			default:
				t.Fatalf("testpeer.Squid: unknown auth scheme %q", scheme)
			}
		}
		conf.WriteString("acl users proxy_auth REQUIRED\nhttp_access allow users\n")
	} else if o.User != "" {
		passwd := filepath.Join(dir, "passwd")
		hash, err := exec.Command("openssl", "passwd", "-apr1", o.Password).Output()
		if err != nil {
			t.Fatalf("openssl passwd: %v", err)
		}
		writeFile(t, passwd, []byte(o.User+":"+strings.TrimSpace(string(hash))+"\n"))
		fmt.Fprintf(&conf, "auth_param basic program /usr/lib/squid/basic_ncsa_auth %s\nacl users proxy_auth REQUIRED\nhttp_access allow users\n", passwd)
	} else {
		conf.WriteString("http_access allow localhost\n")
	}
	fmt.Fprintf(&conf, "http_access deny all\ncache deny all\naccess_log none\ncache_log %s\npid_filename %s\ncoredump_dir %s\nshutdown_lifetime 0 seconds\n",
		filepath.Join(dir, "cache.log"), filepath.Join(dir, "squid.pid"), dir)
	path := filepath.Join(dir, "squid.conf")
	writeFile(t, path, []byte(conf.String()))
	daemon(t, addr, "squid", "-N", "-f", path)
	return addr
}

// Mitmproxy runs mitmdump, which intercepts TLS with its own CA
// ("mitmproxy"), and returns its address.
func Mitmproxy(t testing.TB) string {
	t.Helper()
	dir := sharedDir(t)
	addr := ClosedPort(t)
	daemon(t, addr, "mitmdump", "--listen-host", "127.0.0.1", "--listen-port", fmt.Sprint(Port(t, addr)),
		"--ssl-insecure", "--set", "confdir="+dir, "-q")
	return addr
}

// Coturn runs coturn's turnserver as a real TURN relay on loopback: TURN
// over TLS with pki's certificate on the returned TCP address, and STUN
// over plain UDP on the returned UDP port. It asks for the long-term
// credentials of a user it is given (RFC 8489 section 9.2) in realm.
func Coturn(t testing.TB, pki *PKI, realm string) (tlsAddr string, udpPort int) {
	t.Helper()
	dir := sharedDir(t)
	tlsAddr = ClosedPort(t)
	udpPort = freeUDPPort(t)
	// turnserver runs as this user here (no -u): it reads the test's
	// certificate as is; its pid file and user database go to the folder.
	args := []string{
		"-n", // no configuration file
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
		fmt.Sprintf("--listening-port=%d", udpPort),
		fmt.Sprintf("--tls-listening-port=%d", Port(t, tlsAddr)),
		"--no-dtls", "--no-tcp",
		"--cert=" + pki.CertFile, "--pkey=" + pki.KeyFile,
		"--lt-cred-mech", "--user=helper:s3cret", "--realm=" + realm,
		"--min-port=49152", "--max-port=49200",
		"--no-cli", "--log-file=stdout", "--simple-log",
		"--pidfile=" + filepath.Join(dir, "turnserver.pid"),
		"--userdb=" + filepath.Join(dir, "turndb"),
	}
	daemon(t, tlsAddr, "turnserver", args...)
	return tlsAddr, udpPort
}

// Nginx runs nginx as an HTTPS server with pki's certificate on loopback
// and returns its address. nginx parses a request as it arrives and
// answers a byte no HTTP method has with 400 at once, as most web servers
// and web-only proxies do: what a TURN client meets where a web server
// stands in for the relay.
func Nginx(t testing.TB, pki *PKI) string {
	t.Helper()
	dir := sharedDir(t)
	addr := ClosedPort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
  server {
    listen %[2]s ssl;
    ssl_certificate %[3]s;
    ssl_certificate_key %[4]s;
    location / { return 200 "ok\n"; }
  }
}
`, dir, addr, pki.CertFile, pki.KeyFile)
	path := filepath.Join(dir, "nginx.conf")
	writeFile(t, path, []byte(conf))
	daemon(t, addr, "nginx", "-c", path, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	return addr
}
