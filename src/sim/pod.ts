// What runs inside a simulated container: a file tree (files/<ns>/<pod>/..., plus every
// volumeMount as a directory), a few coreutils (cat, ls, test, touch, sh -c), and pilot-agent
// answering `pilot-agent request GET <path>` from the Envoy admin model. Distroless pods have only
// pilot-agent: anything else fails to start, as the container runtime reports it.
import { posix } from 'node:path';
import { envoyAdmin } from './envoy.js';
import type { ScenarioState } from './scenario.js';

export type ExecResult =
  | { started: true; stdout: Buffer; stderr: Buffer; exitCode: number }
  | { started: false; message: string };

interface PodFs {
  files: Map<string, Buffer>;
  dirs: Set<string>;
}

function podFs(state: ScenarioState, namespace: string, pod: string, container: string): PodFs {
  const key = `${namespace}/${pod}`;
  const files = state.files.get(key) ?? new Map<string, Buffer>();
  state.files.set(key, files);
  const dirs = new Set<string>(['/', '/etc', '/tmp', '/usr', '/usr/local', '/usr/local/bin', '/var', '/var/run']);
  const obj = state.objects.find((o) => o.type.kind === 'Pod' && o.namespace === namespace && o.name === pod);
  const c = ((obj?.body.spec as { containers?: { name: string; volumeMounts?: { mountPath: string }[] }[] } | undefined)?.containers ?? []).find((x) => x.name === container);
  const addParents = (p: string) => {
    let d = p;
    while (d !== '/' && d !== '.') {
      dirs.add(d);
      d = posix.dirname(d);
    }
  };
  for (const m of c?.volumeMounts ?? []) addParents(posix.normalize(m.mountPath));
  for (const f of files.keys()) addParents(posix.dirname(f));
  return { files, dirs };
}

const enc = (s: string) => Buffer.from(s, 'utf8');

function cat(fs: PodFs, args: string[]): ExecResult {
  const out: Buffer[] = [];
  const err: string[] = [];
  for (const a of args.filter((x) => !x.startsWith('-') || x === '-')) {
    const p = posix.normalize(a);
    const f = fs.files.get(p);
    if (f) out.push(f);
    else if (fs.dirs.has(p)) err.push(`cat: ${a}: Is a directory\n`);
    else err.push(`cat: ${a}: No such file or directory\n`);
  }
  return { started: true, stdout: Buffer.concat(out), stderr: enc(err.join('')), exitCode: err.length ? 1 : 0 };
}

function ls(fs: PodFs, args: string[]): ExecResult {
  const all = args.some((a) => /^-[a-zA-Z]*[aA]/.test(a));
  const paths = args.filter((a) => !a.startsWith('-'));
  const out: string[] = [];
  const err: string[] = [];
  for (const a of paths.length ? paths : ['.']) {
    const p = posix.normalize(a === '.' ? '/' : a);
    if (fs.files.has(p)) {
      out.push(`${a}\n`);
      continue;
    }
    if (!fs.dirs.has(p)) {
      err.push(`ls: cannot access '${a}': No such file or directory\n`);
      continue;
    }
    const prefix = p === '/' ? '/' : `${p}/`;
    const entries = new Set<string>();
    for (const f of [...fs.files.keys(), ...fs.dirs]) {
      if (f.startsWith(prefix) && f !== p) entries.add(f.slice(prefix.length).split('/')[0]);
    }
    // Kubernetes secret volumes hold ..data and a timestamped dir; `ls` without -a hides them, as here.
    const names = [...entries].filter((n) => n && (all || !n.startsWith('.'))).sort();
    if (paths.length > 1) out.push(`${a}:\n`);
    out.push(names.map((n) => `${n}\n`).join(''));
  }
  return { started: true, stdout: enc(out.join('')), stderr: enc(err.join('')), exitCode: err.length ? 2 : 0 };
}

function testCmd(fs: PodFs, args: string[]): ExecResult {
  const [flag, target] = args.length === 2 ? args : ['-e', args[0]];
  const p = posix.normalize(target ?? '');
  const ok = flag === '-f' ? fs.files.has(p) : flag === '-d' ? fs.dirs.has(p) : flag === '-s' ? (fs.files.get(p)?.length ?? 0) > 0 : fs.files.has(p) || fs.dirs.has(p);
  return { started: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: ok ? 0 : 1 };
}

const NOT_FOUND = (cmd: string) =>
  `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`;

/** A binary the container does not have, as the node's runtime reports it (see ScenarioConfig.runtime). */
function missingBinary(state: ScenarioState, cmd: string): ExecResult {
  switch (state.config.runtime) {
    case 'cri-o':
      return { started: true, stdout: Buffer.alloc(0), stderr: enc(`crun: executable file \`${cmd}\` not found in $PATH: No such file or directory\n`), exitCode: 127 };
    case 'cri-dockerd':
      return { started: true, stdout: enc(`${NOT_FOUND(cmd)}\r\n`), stderr: Buffer.alloc(0), exitCode: 126 };
    default:
      return { started: false, message: NOT_FOUND(cmd) };
  }
}

export function runCommand(
  state: ScenarioState,
  namespace: string,
  pod: string,
  container: string,
  argv: string[],
  now: Date,
): ExecResult {
  const distroless = (state.config.distroless ?? []).includes(`${namespace}/${pod}`);
  const [cmd, ...args] = argv;
  if (!cmd) return { started: false, message: 'command is required' };
  const base = posix.basename(cmd);
  if (base === 'pilot-agent') {
    if (container !== 'istio-proxy') return missingBinary(state, cmd);
    if (args[0] !== 'request' || args.length < 3) {
      return { started: true, stdout: Buffer.alloc(0), stderr: enc('Error: usage: pilot-agent request <method> <path> [<body>]\n'), exitCode: 1 };
    }
    const method = args[1].toUpperCase();
    if (method !== 'GET') {
      // The simulated Envoy is read-only, like everything the doctor may do.
      return { started: true, stdout: Buffer.alloc(0), stderr: enc(`Error: method ${method} refused by the simulated cluster (read-only)\n`), exitCode: 1 };
    }
    const r = envoyAdmin(state, namespace, pod, args[2], now);
    if (r.status !== 200) {
      return { started: true, stdout: Buffer.alloc(0), stderr: enc(`Error: received unsuccessful status code ${r.status}: ${r.body}`), exitCode: 1 };
    }
    return { started: true, stdout: enc(r.body), stderr: Buffer.alloc(0), exitCode: 0 };
  }
  if (distroless) return missingBinary(state, cmd);
  const fs = podFs(state, namespace, pod, container);
  switch (base) {
    case 'cat': {
      const denied = new Set((state.config.unreadable ?? []).filter((u) => u.startsWith(`${namespace}/${pod}:`)).map((u) => u.slice(u.indexOf(':') + 1)));
      const blocked = args.filter((a) => denied.has(posix.normalize(a)));
      if (blocked.length) return { started: true, stdout: Buffer.alloc(0), stderr: enc(blocked.map((a) => `cat: ${a}: Permission denied\n`).join('')), exitCode: 1 };
      return cat(fs, args);
    }
    case 'ls':
      return ls(fs, args);
    case 'test':
      return testCmd(fs, args);
    case 'true':
      return { started: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 };
    case 'touch':
      // Exists so a test can prove a hostile value never reached a shell: the file would appear.
      for (const a of args) fs.files.set(posix.normalize(a), Buffer.alloc(0));
      return { started: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 };
    case 'sh':
    case 'bash': {
      if (args[0] !== '-c' || args.length < 2) return { started: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 };
      // A very small shell: `;`-separated simple commands, whitespace-split. Enough to make injection observable.
      let last: ExecResult = { started: true, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 };
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      for (const part of args[1].split(/;|&&|\n/)) {
        const words = part.trim().split(/\s+/).filter(Boolean);
        if (words.length === 0) continue;
        last = runCommand(state, namespace, pod, container, words, now);
        if (last.started) {
          out.push(last.stdout);
          err.push(last.stderr);
        } else err.push(enc(`sh: ${words[0]}: not found\n`));
      }
      return { started: true, stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: last.started ? last.exitCode : 127 };
    }
    default:
      return missingBinary(state, cmd);
  }
}
