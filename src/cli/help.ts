// Help texts. Usage is printed as `kubectl istio-tls` when run through kubectl (argv[1] is the
// `kubectl-istio_tls` file), as krew's best-practices guide asks.
import type { Command } from './args.js';
import { completionHelp } from './completion.js';

/**
 * How to name the program in usage lines. kubectl runs plugins as `kubectl-istio_tls` (argv[1]) and
 * users type `kubectl istio-tls`; npm's bin shim and the source tree run under other names, and the
 * kubectl spelling is the one worth teaching either way.
 */
export function programName(): string {
  return 'kubectl istio-tls';
}

const CLUSTER_FLAGS = `Cluster flags (as kubectl spells them; KUBECONFIG is honoured):
      --kubeconfig <file>        kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
      --context <name>           kubeconfig context to use (default: current-context)
  -n, --namespace <ns>           only Gateways in this namespace (default: all namespaces)
  -A, --all-namespaces           all namespaces (the default; accepted for kubectl habits)
      --request-timeout <dur>    give up on one API request after this long (default 30s)
      --istio-namespace <ns>     where istiod and the mesh CA live (default istio-system)
      --no-exec                  do not look inside gateway pods (no port-forward to Envoy, no exec):
                                 for users without create on pods/exec and pods/portforward
                                 (implies --no-probe)
      --no-probe                 no live TLS probe: no handshake with the gateway pods through a
                                 port-forward (one per TLS host, and one per port without SNI)

Offline:
  -f, --filename <file|dir>      read manifests instead of a cluster (repeatable; directories are
                                 read recursively: *.yaml, *.yml, *.json, multi-doc, kind: List;
                                 '-' reads stdin). No cluster access happens unless --use-kube.
      --use-kube                 before you apply: lay the -f files over the live cluster (istioctl
                                 analyze's flag). File objects replace the live ones of the same
                                 kind/namespace/name; the rest, Secrets included, is the cluster's.
                                 Each finding says whether the change introduces it or it is live
                                 already; live findings the change fixes are listed
      --fail-on-existing         with --use-kube: --fail-on counts the findings already live too
                                 (default: only those the change introduces)`;

const REPORT_FLAGS = `Report flags:
  -o, --output table|json|yaml|sarif
                                 output format (default table); sarif (doctor): SARIF 2.1.0 for GitHub
                                 code scanning, results at the file and line of the -f objects
      --fail-on error|warning|info|none
                                 exit 1 when a finding at or above this severity exists (default error)
      --now <RFC3339>            evaluate certificate validity at this time (e.g. 2026-01-31T12:00:00Z)
      --expiry-warning <dur>     warn when a certificate expires within this window (default 30d; 720h works)
      --ca-file <pem>            extra trust anchors, added to the bundled Mozilla roots (repeatable)
      --no-color                 no colour (also: NO_COLOR set, or output is not a terminal)
  -h, --help                     help for this command`;

const EXIT_CODES = `Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  the doctor could not do its job (bad flags, unreadable files, unreachable API, no credentials)`;

export function helpText(command: Command | undefined, name = programName()): string {
  switch (command) {
    case 'doctor':
      return `Walk every TLS host the Istio ingress gateways serve (gateway pods → Gateway server → credential →
certificate → VirtualService → Service), say where it breaks, show the evidence and print the fix.

Usage:
  ${name} doctor [flags]

Examples:
  # the whole cluster, current context
  ${name} doctor

  # only Gateways in one namespace, another context, JSON for a script
  ${name} doctor -n istio-system --context prod -o json

  # fail CI on warnings too, with a fixed clock
  ${name} doctor --fail-on warning --now 2026-01-31T00:00:00Z

  # offline, from manifests (e.g. kubectl get pods,svc,secrets,gateways,virtualservices,destinationrules -A -o yaml > cluster.yaml)
  ${name} doctor -f cluster.yaml

  # before kubectl apply: what the changed manifests would do to the live cluster
  ${name} doctor -f ./manifests/ --use-kube

  # a private CA your clients trust
  ${name} doctor --ca-file corp-root.pem

  # only the fixes, as one YAML stream (one document per object): review it, then apply
  ${name} doctor --fix-only > fixes.yaml && kubectl apply -f fixes.yaml

  # every fix, commands included, as a POSIX sh script: review it, set the variables it names, run it
  ${name} doctor --fix-script > fix.sh && SHOP_TLS_FULLCHAIN=chain.pem SHOP_TLS_KEY=key.pem sh fix.sh

Doctor flags:
      --fix-only                 print only the combined remediation: one YAML document per object,
                                 each with a comment header saying what it fixes (nothing on stdout
                                 and a note on stderr when no fix is a document)
      --fix-script               print every fix as a POSIX sh script: set -eu, the variables for your
                                 certificate/key files checked first, commands and apply heredocs in order
  -v, --verbose                  the table shows everything it folds: every evidence line, serials and
                                 fingerprints, every affected place (-o json always has all of it)

${CLUSTER_FLAGS}

${REPORT_FLAGS}

${EXIT_CODES}
`;
    case 'status':
      return `One row per gateway host: gateway, host, port, TLS mode, credential, certificate subject, days until
expiry, SAN and chain verdicts, and the overall state from the doctor's findings.

Usage:
  ${name} status [flags]

Examples:
  ${name} status
  ${name} status -n istio-system -o yaml
  ${name} status -f ./manifests/ --now 2026-06-01T00:00:00Z

${CLUSTER_FLAGS}

${REPORT_FLAGS}

${EXIT_CODES}
`;
    case 'explain':
      return `What a finding code means, why Istio behaves so, how to fix it and the related codes: the same
text as docs/checks.md, offline (kubectl's habit: kubectl explain).

Usage:
  ${name} explain [CODE] [-o json|yaml]

Examples:
  # every code, one line each
  ${name} explain

  # one code
  ${name} explain ITLS202
  ${name} explain itls202 -o json
`;
    case 'completion':
      return completionHelp(name);
    case 'version':
      return `Print the plugin version.

Usage:
  ${name} version [-o json|yaml]

Examples:
  ${name} version
  ${name} version -o json
`;
    case 'help':
    case undefined:
    default:
      return `kubectl istio-tls diagnoses TLS through Istio ingress gateways: for every host a Gateway serves over
HTTPS it checks the gateway pods, the credential Secret or mounted files, the certificate (names, chain,
expiry, key), the Gateway and the routing behind it, and prints the fix. Read-only.

Usage:
  ${name} <command> [flags]

Commands:
  doctor     find what breaks TLS for each gateway host, with evidence and fixes
  status     one row per gateway host: certificate, expiry, SAN, chain, overall
  explain    what a finding code means and how to fix it (explain ITLS202)
  version    print the version
  completion shell completion through kubectl (completion install)
  help       help for a command

Examples:
  ${name} doctor
  ${name} status -n istio-system
  ${name} doctor -f ./cluster-dump/ -o json

Run '${name} <command> --help' for the flags of a command.

${EXIT_CODES}
`;
  }
}
