// Command referee loads a directory of Kubernetes manifests into Istio's own in-process discovery
// server (istio.io/istio pilot/test/xds, the fake Istio's tests use) and prints, as JSON on stdout,
// what istiod would send to every gateway pod: listeners and filter chains, routes, and which SDS
// secrets it would deliver (and why not). It is the test suite's referee for the doctor's verdicts
// and fixes (test/referee). Built by scripts/build-referee.sh into the cache directory, never
// committed.
//
//	referee [-v] DIR|FILE...
//
// The manifests are what `kubectl istio-tls doctor -f` reads: YAML or JSON, multi-document, `kind:
// List` unwrapped. Istio configuration (networking/security.istio.io) goes to istiod's config store;
// everything else (Pods, Services, Secrets, RBAC, Gateway API objects) to the fake Kubernetes client.
// Where the manifests carry RBAC (Role, RoleBinding, ClusterRole, ClusterRoleBinding), istiod's
// SubjectAccessReview for a gateway's right to read Secrets is answered by Kubernetes' own RBAC
// authorizer over them; without any, it is allowed (as the fake's own tests do) and said so.
//
// Exit 0 with the JSON; 2 on unreadable input (one line on stderr).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpproxy "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	envoytls "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	rbacregistryvalidation "k8s.io/kubernetes/pkg/registry/rbac/validation"
	rbacauthorizer "k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsyaml "sigs.k8s.io/yaml"

	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/model/credentials"
	v3 "istio.io/istio/pilot/pkg/xds/v3"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/resource"
	kubelib "istio.io/istio/pkg/kube"
	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/spiffe"
	"istio.io/istio/pkg/util/sets"
)

// ---------------------------------------------------------------------------------------------
// output

type Report struct {
	// Istio is the istio.io/istio module version the referee was built from (set by the build script).
	Istio   string   `json:"istio"`
	Elapsed string   `json:"elapsed"`
	RBAC    string   `json:"rbac"`
	Proxies []*Proxy `json:"proxies"`
	// Invalid lists Istio configs that Istio's validation (the webhook) rejects; they are loaded anyway.
	Invalid []string `json:"invalid,omitempty"`
	// Skipped lists documents the referee does not load (kinds Istio does not read).
	Skipped []string `json:"skipped,omitempty"`
	// IstiodLog holds istiod's warnings while building this config (dropped servers, denied secrets).
	IstiodLog []string `json:"istiodLog,omitempty"`
}

type Proxy struct {
	Pod            string      `json:"pod"`
	ServiceAccount string      `json:"serviceAccount"`
	IP             string      `json:"ip"`
	Gateways       []string    `json:"gateways"`
	Servers        []*Server   `json:"servers"`
	Listeners      []*Listener `json:"listeners"`
	Routes         []*RouteCfg `json:"routes"`
	Secrets        []*Secret   `json:"secrets"`
	Hosts          []*Host     `json:"hosts"`
}

// Server is one Gateway server as istiod's merge (model.MergedGateway) saw it: kept, or dropped.
type Server struct {
	Gateway      string   `json:"gateway"`
	Port         uint32   `json:"port"`
	ListenerPort uint32   `json:"listenerPort,omitempty"`
	Protocol     string   `json:"protocol"`
	Name         string   `json:"name,omitempty"`
	Hosts        []string `json:"hosts"`
	TLSMode      string   `json:"tlsMode,omitempty"`
	Credential   string   `json:"credential,omitempty"`
	HTTPSRedir   bool     `json:"httpsRedirect,omitempty"`
	RouteName    string   `json:"routeName,omitempty"`
	Kept         bool     `json:"kept"`
}

type Listener struct {
	Name         string         `json:"name"`
	Port         uint32         `json:"port"`
	FilterChains []*FilterChain `json:"filterChains"`
}

type FilterChain struct {
	ServerNames []string `json:"serverNames,omitempty"`
	// TLSMode: SIMPLE / MUTUAL (a TLS context with SDS certificates), ISTIO_MUTUAL (the mesh's own
	// certificate, SDS "default"), PASSTHROUGH (SNI-matched tcp_proxy, no TLS context), or "" (plain).
	TLSMode    string   `json:"tlsMode,omitempty"`
	SDS        []string `json:"sds,omitempty"`
	SDSCA      string   `json:"sdsValidation,omitempty"`
	RDS        string   `json:"rds,omitempty"`
	TCPCluster string   `json:"tcpCluster,omitempty"`
}

type RouteCfg struct {
	Name         string   `json:"name"`
	VirtualHosts []*VHost `json:"virtualHosts"`
}

type VHost struct {
	Name       string   `json:"name"`
	Domains    []string `json:"domains"`
	RequireTLS bool     `json:"requireTls,omitempty"`
	Routes     []*Route `json:"routes"`
}

type Route struct {
	Match    string `json:"match"`
	CatchAll bool   `json:"catchAll,omitempty"`
	// MatchesRoot: `GET /` with no headers beyond Host takes this route (if no earlier one does).
	MatchesRoot    bool     `json:"matchesRoot,omitempty"`
	Clusters       []string `json:"clusters,omitempty"`
	Redirect       string   `json:"redirect,omitempty"`
	DirectResponse uint32   `json:"directResponse,omitempty"`
	VirtualService string   `json:"virtualService,omitempty"`
	// Shadowed: an earlier route of the same virtual host matches every request this one could.
	Shadowed bool `json:"shadowed,omitempty"`
}

type Secret struct {
	Resource  string `json:"resource"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Delivered bool   `json:"delivered"`
	// Reason says why istiod does not deliver it (the same steps as sds.go, in its order).
	Reason string `json:"reason,omitempty"`
	// Keys: which pair istiod read (cert/key before tls.crt/tls.key).
	Keys string `json:"keys,omitempty"`
	// Loads: the delivered certificate chain and key parse as a pair (Go's crypto/tls; Envoy's own
	// check is stricter in places, see the test tier's limitations).
	Loads *bool `json:"loads,omitempty"`
	// CertSHA256: SHA-256 of the certificate bytes delivered (never the key), to tell one secret's
	// content from another's.
	CertSHA256 string `json:"certSha256,omitempty"`
	// DNSNames: the leaf certificate's DNS SANs (what hosts it can serve).
	DNSNames  []string `json:"dnsNames,omitempty"`
	LoadError string   `json:"loadError,omitempty"`
	// Authz: the RBAC decision for the proxy's ServiceAccount (when it was asked).
	Authz string `json:"authz,omitempty"`
}

// Host is the referee's verdict for one host of one kept Gateway server (or a dropped one: Kept false,
// KeptBy the Gateway whose server istiod kept for that host and port).
type Host struct {
	Host         string   `json:"host"`
	Port         uint32   `json:"port"`
	ListenerPort uint32   `json:"listenerPort"`
	Gateway      string   `json:"gateway"`
	Protocol     string   `json:"protocol"`
	Kept         bool     `json:"kept"`
	KeptBy       string   `json:"keptBy,omitempty"`
	Listener     bool     `json:"listener"`
	TLSMode      string   `json:"tlsMode,omitempty"`
	SDS          []string `json:"sds,omitempty"`
	// Served: a filter chain for this host exists and, for TLS, every SDS certificate it names is
	// delivered and loads.
	Served bool `json:"served"`
	// Outcome for `GET /` with this Host/SNI: route (to Clusters), redirect, direct (a fixed status),
	// 404 (no virtual host or no route matches), tcp (passthrough to Clusters), none (no filter chain).
	Outcome  string   `json:"outcome"`
	Clusters []string `json:"clusters,omitempty"`
	// MissingClusters: clusters the route sends to that CDS does not hold (Envoy answers 503).
	MissingClusters []string `json:"missingClusters,omitempty"`
	Redirect        string   `json:"redirect,omitempty"`
	Status          uint32   `json:"status,omitempty"`
	VirtualService  string   `json:"virtualService,omitempty"`
	VirtualServices []string `json:"virtualServices,omitempty"`
	Shadowed        []string `json:"shadowed,omitempty"`
	RouteName       string   `json:"routeName,omitempty"`
}

// ---------------------------------------------------------------------------------------------
// a test.Failer for running Istio's fake outside `go test`

type failer struct{ cleanups []func() }

func (f *failer) Fail()                      { die("istio fake failed") }
func (f *failer) FailNow()                   { die("istio fake failed") }
func (f *failer) Fatal(args ...any)          { die("istio fake: %s", fmt.Sprint(args...)) }
func (f *failer) Fatalf(fm string, a ...any) { die("istio fake: "+fm, a...) }
func (f *failer) Log(args ...any)            {}
func (f *failer) Logf(string, ...any)        {}
func (f *failer) Helper()                    {}
func (f *failer) Skip(args ...any)           { die("istio fake skipped: %s", fmt.Sprint(args...)) }
func (f *failer) Cleanup(fn func())          { f.cleanups = append(f.cleanups, fn) }
func (f *failer) TempDir() string {
	d, err := os.MkdirTemp("", "referee-")
	if err != nil {
		die("%v", err)
	}
	f.cleanups = append(f.cleanups, func() { _ = os.RemoveAll(d) })
	return d
}
func (f *failer) done() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "referee: "+format+"\n", args...)
	os.Exit(2)
}

// ---------------------------------------------------------------------------------------------

var istioVersion = "unknown" // -ldflags -X main.istioVersion=...

func main() {
	verbose := flag.Bool("v", false, "istiod's log on stderr")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: referee [-v] DIR|FILE...")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	start := time.Now()
	logFile, err := os.CreateTemp("", "referee-istiod-*.log")
	if err != nil {
		die("%v", err)
	}
	defer os.Remove(logFile.Name())
	lo := istiolog.DefaultOptions()
	lo.OutputPaths = []string{logFile.Name()}
	if *verbose {
		lo.OutputPaths = append(lo.OutputPaths, "stderr")
	}
	lo.ErrorOutputPaths = []string{"stderr"}
	lo.SetDefaultOutputLevel("all", istiolog.WarnLevel)
	if err := istiolog.Configure(lo); err != nil {
		die("log: %v", err)
	}

	in, err := load(flag.Args())
	if err != nil {
		die("%v", err)
	}
	rep := judge(in)
	rep.Istio = istioVersion
	rep.Elapsed = time.Since(start).Round(time.Millisecond).String()
	if b, err := os.ReadFile(logFile.Name()); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			// the fake installs Gateway API CRDs without version annotations: istiod says so, irrelevantly
			if (strings.Contains(l, "\twarn\t") || strings.Contains(l, "\terror\t")) && !strings.Contains(l, "annotation, but none found") {
				rep.IstiodLog = append(rep.IstiodLog, l)
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		die("%v", err)
	}
}

// ---------------------------------------------------------------------------------------------
// loading

type input struct {
	configs []config.Config
	objects []runtime.Object
	pods    []*corev1.Pod
	roles   []*rbacv1.Role
	rbs     []*rbacv1.RoleBinding
	croles  []*rbacv1.ClusterRole
	crbs    []*rbacv1.ClusterRoleBinding
	invalid []string
	skipped []string
}

var istioGroups = map[string]bool{"networking.istio.io": true, "security.istio.io": true, "telemetry.istio.io": true, "extensions.istio.io": true}

func files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func load(paths []string) (*input, error) {
	fs, err := files(paths)
	if err != nil {
		return nil, err
	}
	in := &input{}
	decode := kubelib.IstioCodec.UniversalDeserializer().Decode
	for _, f := range fs {
		docs, err := splitDocs(f)
		if err != nil {
			return nil, err
		}
		for i, raw := range docs {
			where := fmt.Sprintf("%s#%d", f, i+1)
			var head struct {
				APIVersion string            `json:"apiVersion"`
				Kind       string            `json:"kind"`
				Items      []json.RawMessage `json:"items"`
			}
			if json.Unmarshal(raw, &head) != nil || head.Kind == "" || head.APIVersion == "" {
				continue // not a Kubernetes object (certs.yaml, expect.json, scenario.json)
			}
			objs := []json.RawMessage{raw}
			if strings.HasSuffix(head.Kind, "List") && head.Items != nil {
				objs = head.Items
			}
			for _, o := range objs {
				if err := in.add(o, where, decode); err != nil {
					return nil, err
				}
			}
		}
	}
	return in, nil
}

// splitDocs reads a file's YAML (or JSON) documents, each as JSON.
func splitDocs(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := kubeyaml.NewYAMLReader(bufio.NewReader(f))
	var out [][]byte
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := sigsyaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		out = append(out, j)
	}
}

func (in *input) add(raw []byte, where string, decode func([]byte, *schema.GroupVersionKind, runtime.Object) (runtime.Object, *schema.GroupVersionKind, error)) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	gv, _ := schema.ParseGroupVersion(head.APIVersion)
	id := fmt.Sprintf("%s %s/%s", head.Kind, head.Metadata.Namespace, head.Metadata.Name)
	if istioGroups[gv.Group] {
		obj := crd.IstioKind{}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		gvk := obj.GroupVersionKind()
		s, ok := collections.Pilot.FindByGroupVersionAliasesKind(resource.FromKubernetesGVK(&gvk))
		if !ok {
			in.skipped = append(in.skipped, id+": not a kind istiod reads")
			return nil
		}
		cfg, err := crd.ConvertObject(s, &obj, "cluster.local")
		if err != nil {
			return fmt.Errorf("%s: %s: %v", where, id, err)
		}
		if cfg.Namespace == "" {
			cfg.Namespace = "default"
		}
		if _, err := s.ValidateConfig(*cfg); err != nil {
			in.invalid = append(in.invalid, fmt.Sprintf("%s: %v", id, err))
		}
		in.configs = append(in.configs, *cfg)
		return nil
	}
	obj, _, err := decode(raw, nil, nil)
	if err != nil {
		in.skipped = append(in.skipped, id+": "+firstLine(err.Error()))
		return nil
	}
	if m, ok := obj.(metav1.Object); ok && m.GetNamespace() == "" && namespaced(obj) {
		m.SetNamespace("default")
	}
	switch o := obj.(type) {
	case *corev1.Secret:
		// the API server folds stringData into data on write
		if len(o.StringData) > 0 {
			if o.Data == nil {
				o.Data = map[string][]byte{}
			}
			for k, v := range o.StringData {
				o.Data[k] = []byte(v)
			}
			o.StringData = nil
		}
	case *corev1.Pod:
		in.pods = append(in.pods, o)
	case *rbacv1.Role:
		in.roles = append(in.roles, o)
	case *rbacv1.RoleBinding:
		in.rbs = append(in.rbs, o)
	case *rbacv1.ClusterRole:
		in.croles = append(in.croles, o)
	case *rbacv1.ClusterRoleBinding:
		in.crbs = append(in.crbs, o)
	}
	in.objects = append(in.objects, obj)
	return nil
}

func namespaced(obj runtime.Object) bool {
	switch obj.(type) {
	case *corev1.Namespace, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding, *gatewayv1.GatewayClass, *corev1.Node:
		return false
	}
	return true
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ---------------------------------------------------------------------------------------------

func (in *input) hasRBAC() bool {
	return len(in.roles)+len(in.rbs)+len(in.croles)+len(in.crbs) > 0
}

// sarReactor answers istiod's SubjectAccessReview with Kubernetes' RBAC authorizer over the
// manifests' roles and bindings, converting the review as the API server does (user, groups, uid,
// and the resource attributes, as a resource request).
func (in *input) sarReactor(decisions map[string]string) k8stesting.ReactionFunc {
	_, static := rbacregistryvalidation.NewTestRuleResolver(in.roles, in.rbs, in.croles, in.crbs)
	authz := rbacauthorizer.New(static, static, static, static)
	return func(action k8stesting.Action) (bool, runtime.Object, error) {
		sar := action.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		ra := sar.Spec.ResourceAttributes
		extra := map[string][]string{}
		for k, v := range sar.Spec.Extra {
			extra[k] = v
		}
		attrs := authorizer.AttributesRecord{
			User:            &user.DefaultInfo{Name: sar.Spec.User, UID: sar.Spec.UID, Groups: sar.Spec.Groups, Extra: extra},
			Verb:            ra.Verb,
			Namespace:       ra.Namespace,
			APIGroup:        ra.Group,
			APIVersion:      ra.Version,
			Resource:        ra.Resource,
			Subresource:     ra.Subresource,
			Name:            ra.Name,
			ResourceRequest: true,
		}
		decision, reason, err := authz.Authorize(context.Background(), attrs)
		allowed := decision == authorizer.DecisionAllow
		if !allowed && reason == "" {
			reason = fmt.Sprintf("RBAC: no Role or ClusterRole bound to %s allows %s %s in namespace %q", sar.Spec.User, ra.Verb, ra.Resource, ra.Namespace)
		}
		if err != nil {
			reason += " (" + err.Error() + ")"
		}
		decisions[sar.Spec.User+" "+ra.Namespace] = reason
		out := sar.DeepCopy()
		out.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: allowed, Reason: reason}
		return true, out, nil
	}
}

func judge(in *input) *Report {
	t := &failer{}
	defer t.done()
	rep := &Report{Invalid: in.invalid, Skipped: in.skipped}

	// Istio installs the "istio" GatewayClass itself; a manifest directory seldom carries it
	objects := in.objects
	hasClass := false
	for _, o := range objects {
		if gc, ok := o.(*gatewayv1.GatewayClass); ok && gc.Name == features.GatewayAPIDefaultGatewayClass {
			hasClass = true
		}
	}
	if !hasClass {
		objects = append(objects, &gatewayv1.GatewayClass{
			ObjectMeta: metav1.ObjectMeta{Name: features.GatewayAPIDefaultGatewayClass},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: gatewayv1.GatewayController(features.ManagedGatewayController)},
		})
	}
	// a pod without an IP cannot be told apart by istiod's registry: give each one its own
	ips := map[*corev1.Pod]string{}
	for i, p := range in.pods {
		if p.Status.PodIP == "" {
			p.Status.PodIP = fmt.Sprintf("10.%d.%d.%d", 200+i/65536, (i/256)%256, i%256+1)
			p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}}
		}
		ips[p] = p.Status.PodIP
	}

	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		KubernetesObjects: objects,
		Configs:           in.configs,
	})
	cc := s.KubeClient().Kube().(*fake.Clientset)
	decisions := map[string]string{}
	cc.Fake.Lock()
	if in.hasRBAC() {
		cc.Fake.PrependReactor("create", "subjectaccessreviews", in.sarReactor(decisions))
		rep.RBAC = "the manifests' Roles and bindings, judged by Kubernetes' RBAC authorizer"
	} else {
		xds.DisableAuthorizationForSecret(cc)
		rep.RBAC = "no RBAC in the manifests: istiod's SubjectAccessReview is allowed"
	}
	cc.Fake.Unlock()

	for _, pod := range in.pods {
		p := proxyFor(s, pod, ips[pod])
		if p.MergedGateway == nil || len(p.MergedGateway.GatewayNameForServer) == 0 {
			continue
		}
		rep.Proxies = append(rep.Proxies, describe(s, pod, p, decisions))
	}
	sort.Slice(rep.Proxies, func(i, j int) bool { return rep.Proxies[i].Pod < rep.Proxies[j].Pod })
	return rep
}

func proxyFor(s *xds.FakeDiscoveryServer, pod *corev1.Pod, ip string) *model.Proxy {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	version := "1.27.0"
	for _, c := range pod.Spec.Containers {
		if c.Name == "istio-proxy" {
			if i := strings.LastIndexByte(c.Image, ':'); i > 0 {
				if v := model.ParseIstioVersion(c.Image[i+1:]); v != nil && v.Major == 1 {
					version = c.Image[i+1:]
				}
			}
		}
	}
	p := &model.Proxy{
		Type:            model.Router,
		ID:              pod.Name + "." + pod.Namespace,
		IPAddresses:     []string{ip},
		ConfigNamespace: pod.Namespace,
		DNSDomain:       pod.Namespace + ".svc.cluster.local",
		Labels:          pod.Labels,
		Metadata: &model.NodeMetadata{
			Namespace:      pod.Namespace,
			Labels:         pod.Labels,
			ClusterID:      constants.DefaultClusterName,
			IstioVersion:   version,
			ServiceAccount: spiffe.MustGenSpiffeURIForTrustDomain("cluster.local", pod.Namespace, sa),
		},
		VerifiedIdentity: &spiffe.Identity{TrustDomain: "cluster.local", Namespace: pod.Namespace, ServiceAccount: sa},
	}
	return s.SetupProxy(p)
}

func describe(s *xds.FakeDiscoveryServer, pod *corev1.Pod, p *model.Proxy, decisions map[string]string) *Proxy {
	out := &Proxy{Pod: pod.Namespace + "/" + pod.Name, ServiceAccount: p.VerifiedIdentity.ServiceAccount, IP: p.IPAddresses[0]}
	mg := p.MergedGateway
	gws := sets.New[string]()
	kept := map[*networking.Server]uint32{}
	for sp, ms := range mg.MergedServers {
		for _, srv := range ms.Servers {
			kept[srv] = sp.Number
		}
	}
	for srv, gw := range mg.GatewayNameForServer {
		gws.Insert(gw)
		sv := &Server{Gateway: gw, Port: srv.GetPort().GetNumber(), Protocol: srv.GetPort().GetProtocol(), Name: srv.GetPort().GetName(), Hosts: srv.Hosts}
		if lp, ok := kept[srv]; ok {
			sv.Kept = true
			sv.ListenerPort = lp
		}
		if tl := srv.GetTls(); tl != nil {
			if tl.GetMode() != networking.ServerTLSSettings_SIMPLE || tl.GetCredentialName() != "" || tl.GetServerCertificate() != "" {
				sv.TLSMode = tl.GetMode().String()
			}
			sv.Credential = tl.GetCredentialName()
			sv.HTTPSRedir = tl.GetHttpsRedirect()
			if sv.HTTPSRedir && tl.GetCredentialName() == "" && tl.GetServerCertificate() == "" && tl.GetMode() == networking.ServerTLSSettings_PASSTHROUGH {
				sv.TLSMode = ""
			}
		}
		if info := mg.TLSServerInfo[srv]; info != nil {
			sv.RouteName = info.RouteName
		} else if sv.Kept {
			if ms := mg.MergedServers[model.ServerPort{Number: sv.ListenerPort, Protocol: srv.GetPort().GetProtocol(), Bind: srv.Bind}]; ms != nil {
				sv.RouteName = ms.RouteName
			}
		}
		out.Servers = append(out.Servers, sv)
	}
	sort.Slice(out.Servers, func(i, j int) bool {
		a, b := out.Servers[i], out.Servers[j]
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		if a.Gateway != b.Gateway {
			return a.Gateway < b.Gateway
		}
		return a.Name < b.Name
	})
	out.Gateways = sets.SortedList(gws)

	listeners := s.Listeners(p)
	routes := s.RoutesFromListeners(p, listeners)
	rdsByName := map[string]*RouteCfg{}
	for _, rc := range routes {
		r := describeRoutes(rc)
		rdsByName[r.Name] = r
		out.Routes = append(out.Routes, r)
	}
	sort.Slice(out.Routes, func(i, j int) bool { return out.Routes[i].Name < out.Routes[j].Name })
	sdsNames := sets.New[string]()
	for _, l := range listeners {
		dl := describeListener(l)
		if dl == nil {
			continue
		}
		for _, fc := range dl.FilterChains {
			sdsNames.InsertAll(fc.SDS...)
			if fc.SDSCA != "" {
				sdsNames.Insert(fc.SDSCA)
			}
		}
		out.Listeners = append(out.Listeners, dl)
	}
	sort.Slice(out.Listeners, func(i, j int) bool { return out.Listeners[i].Port < out.Listeners[j].Port })
	secrets := map[string]*Secret{}
	for _, name := range sets.SortedList(sdsNames) {
		sec := judgeSecret(s, p, name, decisions)
		secrets[name] = sec
		out.Secrets = append(out.Secrets, sec)
	}
	cds := sets.New[string]()
	for _, c := range s.Clusters(p) {
		cds.Insert(c.Name)
	}
	out.Hosts = hosts(out, rdsByName, secrets)
	for _, h := range out.Hosts {
		for _, c := range h.Clusters {
			if !cds.Contains(c) {
				h.MissingClusters = append(h.MissingClusters, c)
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// listeners and routes, read back from the Envoy protos istiod built

func describeListener(l *listener.Listener) *Listener {
	sa := l.GetAddress().GetSocketAddress()
	if sa == nil {
		return nil
	}
	out := &Listener{Name: l.Name, Port: sa.GetPortValue()}
	for _, fc := range l.FilterChains {
		d := &FilterChain{ServerNames: fc.GetFilterChainMatch().GetServerNames()}
		if ts := fc.GetTransportSocket(); ts != nil && ts.GetTypedConfig() != nil {
			ctx := &envoytls.DownstreamTlsContext{}
			if ts.GetTypedConfig().UnmarshalTo(ctx) == nil {
				common := ctx.GetCommonTlsContext()
				for _, c := range common.GetTlsCertificateSdsSecretConfigs() {
					d.SDS = append(d.SDS, c.GetName())
				}
				if v := common.GetCombinedValidationContext(); v != nil {
					d.SDSCA = v.GetValidationContextSdsSecretConfig().GetName()
				} else if v := common.GetValidationContextSdsSecretConfig(); v != nil {
					d.SDSCA = v.GetName()
				}
				switch {
				case len(d.SDS) == 1 && d.SDS[0] == "default":
					d.TLSMode = "ISTIO_MUTUAL"
				case ctx.GetRequireClientCertificate().GetValue():
					d.TLSMode = "MUTUAL"
				default:
					d.TLSMode = "SIMPLE"
				}
			}
		}
		for _, f := range fc.Filters {
			switch f.Name {
			case "envoy.filters.network.http_connection_manager":
				h := &hcm.HttpConnectionManager{}
				if f.GetTypedConfig().UnmarshalTo(h) == nil {
					d.RDS = h.GetRds().GetRouteConfigName()
				}
			case "envoy.filters.network.tcp_proxy":
				tp := &tcpproxy.TcpProxy{}
				if f.GetTypedConfig().UnmarshalTo(tp) == nil {
					d.TCPCluster = tp.GetCluster()
					if wc := tp.GetWeightedClusters(); wc != nil {
						var names []string
						for _, c := range wc.GetClusters() {
							names = append(names, c.GetName())
						}
						d.TCPCluster = strings.Join(names, ",")
					}
					if d.TLSMode == "" && len(d.ServerNames) > 0 {
						d.TLSMode = "PASSTHROUGH"
					}
				}
			}
		}
		out.FilterChains = append(out.FilterChains, d)
	}
	return out
}

func describeRoutes(rc *route.RouteConfiguration) *RouteCfg {
	out := &RouteCfg{Name: rc.Name}
	for _, vh := range rc.VirtualHosts {
		v := &VHost{Name: vh.Name, Domains: vh.Domains, RequireTLS: vh.GetRequireTls() == route.VirtualHost_ALL || vh.GetRequireTls() == route.VirtualHost_EXTERNAL_ONLY}
		catchAllSeen := false
		for _, r := range vh.Routes {
			d := &Route{Match: matchText(r.GetMatch()), CatchAll: catchAll(r.GetMatch()), MatchesRoot: matchesRoot(r.GetMatch()), Shadowed: catchAllSeen}
			if md := r.GetMetadata().GetFilterMetadata()["istio"]; md != nil {
				d.VirtualService = vsName(md.GetFields()["config"].GetStringValue())
			}
			switch a := r.Action.(type) {
			case *route.Route_Route:
				if c := a.Route.GetCluster(); c != "" {
					d.Clusters = []string{c}
				}
				for _, wc := range a.Route.GetWeightedClusters().GetClusters() {
					d.Clusters = append(d.Clusters, wc.GetName())
				}
			case *route.Route_Redirect:
				d.Redirect = redirectText(a.Redirect)
			case *route.Route_DirectResponse:
				d.DirectResponse = a.DirectResponse.GetStatus()
			}
			if d.CatchAll {
				catchAllSeen = true
			}
			v.Routes = append(v.Routes, d)
		}
		out.VirtualHosts = append(out.VirtualHosts, v)
	}
	return out
}

// /apis/networking.istio.io/v1/namespaces/shop/virtual-service/shop → shop/shop
func vsName(cfg string) string {
	parts := strings.Split(cfg, "/")
	if len(parts) >= 7 {
		return parts[len(parts)-3] + "/" + parts[len(parts)-1]
	}
	return cfg
}

func matchText(m *route.RouteMatch) string {
	var s string
	switch p := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		s = "prefix " + p.Prefix
	case *route.RouteMatch_Path:
		s = "path " + p.Path
	case *route.RouteMatch_SafeRegex:
		s = "regex " + p.SafeRegex.GetRegex()
	case *route.RouteMatch_PathSeparatedPrefix:
		s = "prefix " + p.PathSeparatedPrefix
	default:
		s = "?"
	}
	for _, h := range m.GetHeaders() {
		s += " header " + h.GetName()
	}
	for _, q := range m.GetQueryParameters() {
		s += " query " + q.GetName()
	}
	return s
}

// catchAll: matches every request (prefix "/" or a regex matching anything, no header or query
// condition, no runtime fraction).
func catchAll(m *route.RouteMatch) bool {
	if len(m.GetHeaders()) > 0 || len(m.GetQueryParameters()) > 0 || m.GetRuntimeFraction() != nil || m.GetGrpc() != nil {
		return false
	}
	switch p := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		return p.Prefix == "/" || p.Prefix == ""
	case *route.RouteMatch_SafeRegex:
		return p.SafeRegex.GetRegex() == ".*" || p.SafeRegex.GetRegex() == "/.*"
	}
	return false
}

// matchesRoot: `GET /` with no headers beyond Host would take this route.
func matchesRoot(m *route.RouteMatch) bool {
	if len(m.GetQueryParameters()) > 0 || m.GetGrpc() != nil {
		return false
	}
	for _, h := range m.GetHeaders() {
		if !h.GetInvertMatch() && !h.GetTreatMissingHeaderAsEmpty() {
			return false
		}
	}
	switch p := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		return strings.HasPrefix("/", p.Prefix)
	case *route.RouteMatch_Path:
		return p.Path == "/"
	case *route.RouteMatch_PathSeparatedPrefix:
		return p.PathSeparatedPrefix == "/"
	case *route.RouteMatch_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		return err == nil && re.MatchString("/")
	}
	return false
}

func redirectText(r *route.RedirectAction) string {
	scheme := r.GetSchemeRedirect()
	if r.GetHttpsRedirect() {
		scheme = "https"
	}
	host := r.GetHostRedirect()
	path := r.GetPathRedirect()
	s := ""
	if scheme != "" {
		s += scheme + "://"
	}
	s += host
	if r.GetPortRedirect() != 0 {
		s += fmt.Sprintf(":%d", r.GetPortRedirect())
	}
	return s + path
}

// ---------------------------------------------------------------------------------------------
// secrets: SecretGen.Generate called for the one resource, and the reason retraced step by step
// in sds.go's order when it delivers nothing

func judgeSecret(s *xds.FakeDiscoveryServer, p *model.Proxy, name string, decisions map[string]string) *Secret {
	out := &Secret{Resource: name}
	gen := s.Discovery.Generators[v3.SecretType]
	res, _, _ := gen.Generate(p, &model.WatchedResource{ResourceNames: sets.New(name)}, &model.PushRequest{Forced: true, Start: time.Now(), Push: s.PushContext()})
	out.Delivered = len(res) > 0
	sr, err := credentials.ParseResourceName(name, p.VerifiedIdentity.Namespace, p.Metadata.ClusterID, constants.DefaultClusterName)
	if err != nil {
		out.Reason = err.Error()
		return out
	}
	out.Namespace, out.Name = sr.Namespace, sr.Name
	if sr.ResourceType == "" || name == "default" || name == "ROOTCA" || strings.HasPrefix(name, "file-") {
		out.Reason = "not a credential istiod serves (the pod's agent does)"
		return out
	}
	user := "system:serviceaccount:" + p.VerifiedIdentity.Namespace + ":" + p.VerifiedIdentity.ServiceAccount
	isCA := strings.HasSuffix(sr.Name, "-cacert")
	var sec *corev1.Secret
	lookup := func(n string) *corev1.Secret {
		x, err := s.KubeClient().Kube().CoreV1().Secrets(sr.Namespace).Get(context.Background(), n, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		return x
	}
	switch sr.ResourceType {
	case credentials.KubernetesGatewaySecretType:
		if !p.MergedGateway.VerifiedCertificateReferences.Contains(name) && !out.Delivered {
			out.Reason = "cross namespace secret reference requires ReferenceGrant (not a verified certificate reference of this gateway)"
			return out
		}
	case credentials.KubernetesSecretType:
		if sr.Namespace != p.VerifiedIdentity.Namespace {
			out.Reason = fmt.Sprintf("the Secret is in namespace %s, the gateway pod in %s: istiod serves only its own namespace's", sr.Namespace, p.VerifiedIdentity.Namespace)
			return out
		}
		if !isCA {
			if r, ok := decisions[user+" "+sr.Namespace]; ok {
				out.Authz = r
			}
		}
	}
	if isCA {
		sec = lookup(sr.Name)
		if sec == nil {
			sec = lookup(strings.TrimSuffix(sr.Name, "-cacert"))
		}
	} else {
		sec = lookup(sr.Name)
	}
	if out.Delivered {
		if !isCA && sec != nil {
			out.Keys, out.Loads, out.LoadError, out.CertSHA256, out.DNSNames = loads(sec)
		}
		return out
	}
	switch {
	case out.Authz != "" && !strings.Contains(out.Authz, "allowed"):
		out.Reason = fmt.Sprintf("%s/%s is not authorized to read secrets: %s", p.VerifiedIdentity.ServiceAccount, p.VerifiedIdentity.Namespace, out.Authz)
	case sec == nil:
		out.Reason = fmt.Sprintf("secret %s/%s not found", sr.Namespace, sr.Name)
	default:
		out.Reason = "istiod delivers nothing for it: " + missingKeys(sec, isCA)
	}
	return out
}

func missingKeys(sec *corev1.Secret, ca bool) string {
	var keys []string
	for k := range sec.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if ca {
		return "no ca.crt/cacert in " + strings.Join(keys, ", ")
	}
	return "no non-empty cert/key or tls.crt/tls.key; keys: " + strings.Join(keys, ", ")
}

func loads(sec *corev1.Secret) (string, *bool, string, string, []string) {
	cert, key, keys := sec.Data["cert"], sec.Data["key"], "cert/key"
	if len(cert) == 0 || len(key) == 0 {
		cert, key, keys = sec.Data["tls.crt"], sec.Data["tls.key"], "tls.crt/tls.key"
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(cert))
	var names []string
	if block, _ := pem.Decode(cert); block != nil {
		if leaf, err := x509.ParseCertificate(block.Bytes); err == nil {
			names = leaf.DNSNames
		}
	}
	_, err := tls.X509KeyPair(cert, key)
	ok := err == nil
	if err != nil {
		return keys, &ok, err.Error(), sum, names
	}
	return keys, &ok, "", sum, names
}

// ---------------------------------------------------------------------------------------------
// per-host verdicts, with Envoy's matching rules (filter chains by SNI, virtual hosts by domain)

func probeName(host string) string {
	switch {
	case host == "*":
		return "any-host.referee.invalid"
	case strings.HasPrefix(host, "*."):
		return "any-host" + host[1:]
	}
	return host
}

// Envoy's server_names: exact first, then the longest "*." suffix, then a chain without names.
func pickChain(l *Listener, sni string) *FilterChain {
	var best *FilterChain
	bestLen := -1
	var bare *FilterChain
	for _, fc := range l.FilterChains {
		if len(fc.ServerNames) == 0 {
			if bare == nil {
				bare = fc
			}
			continue
		}
		for _, n := range fc.ServerNames {
			if n == sni {
				return fc
			}
			if strings.HasPrefix(n, "*.") && strings.HasSuffix(sni, n[1:]) && len(n) > bestLen {
				best, bestLen = fc, len(n)
			}
		}
	}
	if best != nil {
		return best
	}
	return bare
}

// Envoy's virtual host selection: exact domain, then the longest suffix wildcard, then the longest
// prefix wildcard, then "*".
func pickVHost(rc *RouteCfg, host string) *VHost {
	var suffix, prefix, any *VHost
	sl, pl := -1, -1
	for _, vh := range rc.VirtualHosts {
		for _, d := range vh.Domains {
			switch {
			case d == host:
				return vh
			case d == "*":
				if any == nil {
					any = vh
				}
			case strings.HasPrefix(d, "*") && strings.HasSuffix(host, d[1:]) && len(host) > len(d)-1 && len(d) > sl:
				suffix, sl = vh, len(d)
			case strings.HasSuffix(d, "*") && strings.HasPrefix(host, d[:len(d)-1]) && len(host) > len(d)-1 && len(d) > pl:
				prefix, pl = vh, len(d)
			}
		}
	}
	switch {
	case suffix != nil:
		return suffix
	case prefix != nil:
		return prefix
	}
	return any
}

func bareHost(h string) string {
	if i := strings.IndexByte(h, '/'); i >= 0 {
		return h[i+1:]
	}
	return h
}

func hosts(p *Proxy, rds map[string]*RouteCfg, secrets map[string]*Secret) []*Host {
	byPort := map[uint32]*Listener{}
	for _, l := range p.Listeners {
		byPort[l.Port] = l
	}
	// which Gateway istiod kept for each (listener port, host)
	keptBy := map[string]string{}
	for _, sv := range p.Servers {
		if sv.Kept {
			for _, h := range sv.Hosts {
				key := fmt.Sprintf("%d %s", sv.ListenerPort, bareHost(h))
				if _, ok := keptBy[key]; !ok {
					keptBy[key] = sv.Gateway
				}
			}
		}
	}
	var out []*Host
	for _, sv := range p.Servers {
		for _, h := range sv.Hosts {
			host := bareHost(h)
			hv := &Host{Host: host, Port: sv.Port, ListenerPort: sv.ListenerPort, Gateway: sv.Gateway, Protocol: sv.Protocol, Kept: sv.Kept}
			out = append(out, hv)
			if !sv.Kept {
				for _, o := range p.Servers {
					if o.Kept && o.Port == sv.Port {
						for _, oh := range o.Hosts {
							if bareHost(oh) == host {
								hv.KeptBy = o.Gateway
								hv.ListenerPort = o.ListenerPort
							}
						}
					}
				}
				if hv.KeptBy == "" {
					hv.Outcome = "none"
					continue
				}
			}
			l := byPort[hv.ListenerPort]
			if l == nil {
				hv.Outcome = "none"
				continue
			}
			hv.Listener = true
			probe := probeName(host)
			fc := pickChain(l, probe)
			if fc == nil {
				hv.Outcome = "none"
				continue
			}
			hv.TLSMode, hv.SDS = fc.TLSMode, fc.SDS
			hv.Served = true
			for _, n := range append(append([]string{}, fc.SDS...), fc.SDSCA) {
				if n == "" {
					continue
				}
				if sec := secrets[n]; sec == nil || !sec.Delivered || (sec.Loads != nil && !*sec.Loads) {
					if sec != nil && sec.Reason == "not a credential istiod serves (the pod's agent does)" {
						continue
					}
					hv.Served = false
				}
			}
			if fc.TCPCluster != "" {
				hv.Outcome = "tcp"
				hv.Clusters = strings.Split(fc.TCPCluster, ",")
				continue
			}
			rc := rds[fc.RDS]
			hv.RouteName = fc.RDS
			if rc == nil {
				hv.Outcome = "404"
				continue
			}
			vh := pickVHost(rc, probe)
			if vh == nil {
				hv.Outcome = "404"
				continue
			}
			vss := sets.New[string]()
			for _, r := range vh.Routes {
				if r.VirtualService != "" {
					vss.Insert(r.VirtualService)
				}
				if r.Shadowed {
					hv.Shadowed = append(hv.Shadowed, fmt.Sprintf("%s: %s", r.VirtualService, r.Match))
				}
			}
			hv.VirtualServices = sets.SortedList(vss)
			if vh.RequireTLS && (fc.TLSMode == "") {
				hv.Outcome = "redirect"
				hv.Redirect = "https://" + host
				continue
			}
			hv.Outcome = "404"
			for _, r := range vh.Routes {
				if !r.MatchesRoot {
					continue
				}
				hv.VirtualService = r.VirtualService
				switch {
				case len(r.Clusters) > 0:
					hv.Outcome, hv.Clusters = "route", r.Clusters
				case r.Redirect != "":
					hv.Outcome, hv.Redirect = "redirect", r.Redirect
				case r.DirectResponse != 0:
					hv.Outcome, hv.Status = "direct", r.DirectResponse
					if r.DirectResponse == 404 {
						hv.Outcome = "404"
					}
				}
				break
			}
		}
	}
	return out
}
