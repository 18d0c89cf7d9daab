// Command apiserver runs a single-member etcd (embedded) and kube-apiserver in one process, for
// the test suite's real-server tier (test/realserver). It is built by scripts/build-apiserver.sh into
// the cache directory, never committed.
//
//	apiserver --etcd-dir DIR [--etcd-client-port N] [--etcd-peer-port N] -- <kube-apiserver flags>
//
// etcd listens on 127.0.0.1 only (ports 0: free ones are picked); --etcd-servers is added to the
// kube-apiserver flags. The process dies with its parent (Linux), so a crashed test leaves nothing
// running. SIGTERM/SIGINT stop kube-apiserver gracefully, then etcd.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/server/v3/embed"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "apiserver: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	dieWithParent()

	fs := flag.NewFlagSet("apiserver", flag.ContinueOnError)
	dir := fs.String("etcd-dir", "", "etcd data directory (required)")
	clientPort := fs.Int("etcd-client-port", 0, "etcd client port on 127.0.0.1 (0: pick a free one)")
	peerPort := fs.Int("etcd-peer-port", 0, "etcd peer port on 127.0.0.1 (0: pick a free one)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *dir == "" {
		fail("--etcd-dir is required")
	}
	var err error
	if *clientPort == 0 {
		if *clientPort, err = freePort(); err != nil {
			fail("no free port for etcd: %v", err)
		}
	}
	if *peerPort == 0 {
		if *peerPort, err = freePort(); err != nil {
			fail("no free port for etcd: %v", err)
		}
	}
	clientURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", *clientPort))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", *peerPort))

	cfg := embed.NewConfig()
	cfg.Name = "default"
	cfg.Dir = *dir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fail("etcd: %v", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		fail("etcd: %v", err)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		fail("etcd: not ready after 60s")
	}

	command := app.NewAPIServerCommand()
	command.SetArgs(append(fs.Args(), "--etcd-servers="+clientURL.String()))
	code := cli.Run(command)
	e.Close()
	os.Exit(code)
}
