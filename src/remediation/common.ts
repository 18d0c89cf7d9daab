// Small builders every remediation shares. Key material is never an input: what only the user has (a
// certificate file, a key file) is a shell variable the fix checks first; what the cluster already
// holds is read from the cluster by the command itself.
import { parseAllDocuments, stringify } from 'yaml';

/** The shell variable naming a file the user supplies for one secret, e.g. SHOP_TLS_FULLCHAIN. */
export function fileVar(secretName: string, what: 'FULLCHAIN' | 'KEY' | 'CA'): string {
  const base = secretName.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'SECRET';
  return `${/^[0-9]/.test(base) ? `S_${base}` : base}_${what}`;
}

const FILE_VAR_TEXT: Record<string, string> = {
  FULLCHAIN: 'path to the full-chain PEM (leaf first, then intermediates) for secret',
  KEY: 'path to the unencrypted private-key PEM of that leaf, for secret',
  CA: 'path to the PEM CA bundle for secret',
};

/** Registry of variables used by commands: name → what to tell the user when it is unset. */
const described = new Map<string, string>();

/** Declare a variable a command uses (and what the user must put in it). */
export function declareVar(name: string, description: string): string {
  described.set(name, description);
  return name;
}

function fileVarFor(secretName: string, namespace: string, what: 'FULLCHAIN' | 'KEY' | 'CA'): string {
  return declareVar(fileVar(secretName, what), `${FILE_VAR_TEXT[what]} ${namespace}/${secretName}`);
}

/**
 * The shell variable for the backend of a host no VirtualService routes (GRAFANA_INT_ACME_TEST_BACKEND):
 * only the user knows which Service serves it, so a fix that needs it checks it first.
 */
export function backendVar(host: string): string {
  const base = host.replace(/^\*\./, 'wildcard.').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'HOST';
  return declareVar(`${/^[0-9]/.test(base) ? `H_${base}` : base}_BACKEND`, `set to the Service host that serves ${host}, as name.namespace.svc.cluster.local`);
}

/**
 * `kubectl apply` of documents that name checked shell variables (`${NAME}`): an unquoted heredoc, so
 * the shell puts the values in. The documents hold no other `$`, backquote or backslash (checked).
 */
export function applyWithVariables(yaml: string): string {
  const text = yaml.trimEnd();
  const rest = text.replace(/\$\{[A-Z_][A-Z0-9_]*\}/g, '');
  if (/[`$\\]/.test(rest)) throw new Error('applyWithVariables: the documents hold shell syntax besides ${NAME} variables');
  return `kubectl apply -f - <<YAML\n${text}\nYAML`;
}

/** `"$SHOP_TLS_FULLCHAIN"` — the quoted variable as it appears in a command. */
export function fullchainRef(name: string, namespace: string): string {
  return `"$${fileVarFor(name, namespace, 'FULLCHAIN')}"`;
}
export function privkeyRef(name: string, namespace: string): string {
  return `"$${fileVarFor(name, namespace, 'KEY')}"`;
}
export function caRef(name: string, namespace: string): string {
  return `"$${fileVarFor(name, namespace, 'CA')}"`;
}

/** The variables a set of commands uses, in order of first use. */
export function varsUsed(commands: string[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    if (c.trimStart().startsWith('#')) continue;
    for (const m of c.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const name = m[1];
      if (!described.has(name) || out.includes(name)) continue;
      out.push(name);
    }
  }
  return out;
}

/** `: "${VAR:?what it is}"` — stops a script (set -u/-e) or a pasted block before anything runs. */
export function checkVarLine(name: string): string {
  const text = (described.get(name) ?? 'required').replace(/[`"$\\}]/g, '');
  return `: "\${${name}:?${text}}"`;
}

/** Is this line a variable check written by checkVarLine? */
export function isVarCheck(line: string): boolean {
  return /^: "\$\{[A-Za-z_][A-Za-z0-9_]*:\?/.test(line);
}

/**
 * The last word on a remediation: every variable its commands use is checked first, and anything left
 * that looks like a `<placeholder>` (a redirection in every POSIX shell) becomes a checked variable.
 */
export function finalizeRemediation<R extends { commands?: string[]; yaml?: string; notes?: string[] }>(r: R): R {
  const out = withoutPlaceholderYaml(withoutEmptyGateways(r));
  // each alternative is a block of its own: its variables checked at its top
  const alts = (out as { alternatives?: { commands: string[] }[] }).alternatives;
  if (alts) (out as { alternatives?: unknown[] }).alternatives = alts.map((a) => ({ ...a, commands: finalizeCommands(a.commands) }));
  if (!out.commands?.length) return out;
  return { ...out, commands: finalizeCommands(out.commands) };
}

function finalizeCommands(list: string[]): string[] {
  const commands = list.filter((c) => !isVarCheck(c)).map(placeholdersToVars).map(qualifyGateway).map(idempotentDelete);
  return [...varsUsed(commands).map(checkVarLine), ...commands];
}

/**
 * YAML with a `<placeholder>` in a value (a DNS name, a number) is not valid input for `kubectl apply`
 * or istioctl validate: it is printed as a commented command to fill in, never as an applicable document.
 */
function withoutPlaceholderYaml<R extends { commands?: string[]; yaml?: string; notes?: string[] }>(r: R): R {
  if (!r.yaml || !/<[A-Za-z][^>\n]*>/.test(r.yaml)) return r;
  const out: R = { ...r };
  delete out.yaml;
  out.commands = [
    ...(r.commands ?? []),
    '# fill in every <placeholder> below, then apply it with: kubectl apply -f - <<\'YAML\' … YAML',
    ...r.yaml.trimEnd().split('\n').map((l) => `#   ${l}`),
  ];
  return out;
}

/**
 * `kubectl … gateway NAME` is ambiguous where the Gateway API is installed: kubectl resolves the bare
 * name to gateways.gateway.networking.k8s.io, so `kubectl delete gateway b --ignore-not-found` silently
 * deletes nothing (seen on the real API server). Istio's Gateway is always named in full.
 */
function qualifyGateway(command: string): string {
  return command.replace(/^(kubectl [a-z-]+ )gateways?(?=\s)/, '$1gateways.networking.istio.io');
}

/** `kubectl delete` twice must not fail: the second run finds nothing to delete. */
function idempotentDelete(command: string): string {
  if (!/^kubectl delete /.test(command) || command.includes('--ignore-not-found')) return command;
  const hash = command.search(/\s+#/);
  return hash >= 0 ? `${command.slice(0, hash)} --ignore-not-found${command.slice(hash)}` : `${command} --ignore-not-found`;
}

/**
 * A Gateway left without servers is invalid (Istio's IST0106, "gateway must have at least one
 * server"): the fix deletes it instead of writing `servers: []`.
 */
function withoutEmptyGateways<R extends { commands?: string[]; yaml?: string; notes?: string[] }>(r: R): R {
  if (!r.yaml || !/servers:\s*\[\]/.test(r.yaml)) return r;
  const kept: object[] = [];
  const deletes: string[] = [];
  for (const d of parseAllDocuments(r.yaml)) {
    const o = d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { servers?: unknown[] } } | null;
    if (!o) continue;
    if (o.kind === 'Gateway' && Array.isArray(o.spec?.servers) && o.spec.servers.length === 0 && o.metadata?.name) {
      deletes.push(`kubectl delete gateways.networking.istio.io ${o.metadata.name} -n ${o.metadata.namespace ?? 'default'} --ignore-not-found   # no server left on it`);
    } else kept.push(o);
  }
  if (!deletes.length) return r;
  const out: R = { ...r, commands: [...(r.commands ?? []), ...deletes] };
  if (kept.length) out.yaml = toYaml(...kept);
  else delete out.yaml;
  out.notes = [...(r.notes ?? []), 'A Gateway without servers is invalid (IST0106): it is deleted instead; VirtualServices bound only to it stop applying to it.'];
  return out;
}

/** `<leaf.pem>` → `"$LEAF_PEM"` (declared), outside comments and quotes of heredoc markers. */
export function placeholdersToVars(command: string): string {
  const hash = command.search(/(^|\s)#/);
  const code = hash >= 0 ? command.slice(0, hash) : command;
  const rest = hash >= 0 ? command.slice(hash) : '';
  const replaced = code.replace(/<([A-Za-z][A-Za-z0-9 ._-]*)>/g, (_all, inner: string) => {
    const name = inner.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    declareVar(name, inner.includes('.') ? `path to ${inner}` : inner.replace(/-/g, ' '));
    return `"$${name}"`;
  });
  return replaced + rest;
}

/** `kubectl create secret tls` for a credential that does not exist yet (dry-run → apply). */
export function createTlsSecretCommand(name: string, namespace: string): string {
  return (
    `kubectl create secret tls ${name} -n ${namespace} --cert=${fullchainRef(name, namespace)} --key=${privkeyRef(name, namespace)}` +
    ` --dry-run=client -o yaml | kubectl apply -f -`
  );
}

/** base64 of a file on one line, POSIX (GNU and BSD base64 alike). */
function b64(fileRef: string): string {
  return `$(base64 < ${fileRef} | tr -d '\\n')`;
}

/**
 * Replace the certificate (and key, unless it does not change) of an existing credential secret in
 * place: a merge patch keeps the secret's type and every other key, and writes the keys Istio reads
 * (`cert`/`key` when the secret has them — they win over `tls.crt`/`tls.key`).
 */
export function patchCredentialCommand(
  t: { name: string; namespace: string; certKey?: string },
  what: { cert: boolean; key: boolean } = { cert: true, key: true },
): string {
  const certKey = t.certKey === 'cert' ? 'cert' : 'tls.crt';
  const keyKey = certKey === 'cert' ? 'key' : 'tls.key';
  const data: string[] = [];
  if (what.cert) data.push(`\\"${certKey}\\":\\"${b64(fullchainRef(t.name, t.namespace))}\\"`);
  if (what.key) data.push(`\\"${keyKey}\\":\\"${b64(privkeyRef(t.name, t.namespace))}\\"`);
  return `kubectl patch secret ${t.name} -n ${t.namespace} --type=merge -p "{\\"data\\":{${data.join(',')}}}"`;
}

/**
 * Remove keys from a secret in one merge patch (e.g. stale `cert`/`key`, which win over `tls.crt`/`tls.key`):
 * `null` deletes a key, and deleting one that is gone already changes nothing, so running it twice is safe
 * (a JSON-patch `remove` fails the second time).
 */
export function removeSecretKeysCommand(name: string, namespace: string, keys: string[]): string {
  return `kubectl patch secret ${name} -n ${namespace} --type=merge -p '${JSON.stringify({ data: Object.fromEntries(keys.map((k) => [k, null])) })}'`;
}

/**
 * Copy a secret the cluster holds into another namespace without writing it anywhere: the server
 * renders a fresh manifest (type and every key kept) and `kubectl apply` reads it from the pipe.
 */
export function copySecretCommand(name: string, from: string, to: string, newName = name): string {
  const nl = '{{"\\n"}}';
  const template = `apiVersion: v1${nl}kind: Secret${nl}metadata: {name: ${newName}, namespace: ${to}}${nl}type: {{.type}}${nl}data:{{range $k, $v := .data}}${nl}  {{$k}}: {{$v}}{{end}}${nl}`;
  return `kubectl get secret ${name} -n ${from} -o go-template='${template}' | kubectl apply -f -`;
}

/**
 * A new Secret made from keys of one the cluster holds, without writing it anywhere: `keys` maps each
 * new key to the key it is read from (e.g. tls.crt ← fullchain.pem); the server renders the manifest.
 */
export function secretFromKeysCommand(from: { name: string; namespace: string }, to: { name: string; namespace: string; type: string }, keys: Record<string, string>): string {
  const nl = '{{"\\n"}}';
  const data = Object.entries(keys)
    .map(([k, src]) => `${nl}  ${k}: {{index .data "${src}"}}`)
    .join('');
  const template = `apiVersion: v1${nl}kind: Secret${nl}metadata: {name: ${to.name}, namespace: ${to.namespace}}${nl}type: ${to.type}${nl}data:${data}${nl}`;
  return `kubectl get secret ${from.name} -n ${from.namespace} -o go-template='${template}' | kubectl apply -f -`;
}

/**
 * Decode one key of a Secret once, in place, through the cluster: for a value that was base64-encoded
 * twice. Only a value that still decodes to base64 of PEM text ("LS0t", i.e. "---") is rewritten, so
 * running it again changes nothing.
 */
export function decodeOnceCommand(name: string, namespace: string, key: string): string {
  const template = `{{$v := index .data "${key}"}}{{$d := base64decode $v}}{{if eq (slice $d 0 4) "LS0t"}}{{$d}}{{else}}{{$v}}{{end}}`;
  return `kubectl patch secret ${name} -n ${namespace} --type=merge -p "{\\"data\\":{\\"${key}\\":\\"$(kubectl get secret ${name} -n ${namespace} -o go-template='${template}' | tr -d '\\n')\\"}}"`;
}

/**
 * Append a certificate (public material the doctor read from another Secret, base64 as stored there)
 * after the bundle in `certKey`, in one patch that changes the bundle only while it still holds exactly
 * what the doctor read (`seen`): run twice, the second patch writes the same bytes and changes nothing.
 */
export function appendCertificateCommands(
  t: { name: string; namespace: string; certKey: string; seen: string; newlineBetween: boolean },
  certificateBase64: string,
): string[] {
  const sep = t.newlineBetween ? '{{"\\n"}}' : '';
  const template = `{{$c := index .data "${t.certKey}"}}{{if eq $c "${t.seen}"}}{{base64decode $c}}${sep}{{base64decode "${certificateBase64}"}}{{else}}{{base64decode $c}}{{end}}`;
  return [`kubectl patch secret ${t.name} -n ${t.namespace} --type=merge -p "{\\"data\\":{\\"${t.certKey}\\":\\"$(kubectl get secret ${t.name} -n ${t.namespace} -o go-template='${template}' | base64 | tr -d '\\n')\\"}}"`];
}

/** Several Kubernetes objects as one multi-document YAML string. */
export function toYaml(...docs: object[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 }).trimEnd()).join('\n---\n') + '\n';
}
