// `npm run release`: one self-contained executable per krew platform from the one esbuild bundle
// (dist/cli.js), packed as kubectl-istio_tls-<os>-<arch>.tar.gz (.zip for Windows) with LICENSE, plus
// dist/release/SHA256SUMS and krew-manifest.yaml (from krew-manifest.template.yaml, also written to the
// repository root). Runs on Linux; needs only the npm registry (runtimes) and crates.io (rcodesign).
//
// Runtime: Bun, one pinned version for all five platforms (`bun build --compile` cross-compiles from
// Linux; the npm registry has no Node 24 for darwin/arm64). Each runtime comes from the npm registry
// as a pinned @oven/bun-* package and is checked against the sha512 integrity written below before use.
//
//   node --import tsx scripts/release.ts [--out <dir>] [--no-build] [--no-manifest] [--only <os>-<arch>[,…]]
//   node --import tsx scripts/release.ts --cached   (the cached release of the current bundle, as the tests use it)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { buildRcodesign } from './build-rcodesign.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUN_VERSION = '1.4.5';

/** npm package holding each runtime; x64 uses Bun's baseline build (no AVX2 needed). */
type RuntimeName = 'linux-x64-baseline' | 'linux-aarch64' | 'darwin-x64-baseline' | 'darwin-aarch64' | 'windows-x64-baseline';
const RUNTIMES: Record<RuntimeName, { pkg: string; exe: string; integrity: string }> = {
  'linux-x64-baseline': { pkg: '@oven/bun-linux-x64-baseline', exe: 'bun', integrity: 'sha512-s8yMwYcFnnrA178gji0gZbkE2WVDej/Ti1x770oPfihxyRxSMNhGhiAQNXV53aDeraZxksdvKV/RAdQBCd0qPA==' },
  'linux-aarch64': { pkg: '@oven/bun-linux-aarch64', exe: 'bun', integrity: 'sha512-4BXmsSKnjOrlGWqZV4x/oWa7AVoR+B6lCXddMzOAXBIm3t50eslg9wb66gmtW1AamEQ1l1CDvmmruysEhqOWMg==' },
  'darwin-x64-baseline': { pkg: '@oven/bun-darwin-x64-baseline', exe: 'bun', integrity: 'sha512-zqfLA5A4B+hYMh5WYzYSot3uZ06FzhdP0OEwQisEzdirYtXGj5cQFlfy31BGfNsAsk1Gd/w/OxJ/jqqJ3cMclw==' },
  'darwin-aarch64': { pkg: '@oven/bun-darwin-aarch64', exe: 'bun', integrity: 'sha512-4MIFXHmctH2EhAxLXm2/qxNtv17dFtLJylvaOCsrgq6KSqHTs6eW5YSrJjRbJxYUJaR901fsN8JfZOa+CsWpWQ==' },
  'windows-x64-baseline': { pkg: '@oven/bun-windows-x64-baseline', exe: 'bun.exe', integrity: 'sha512-/U3Dc74uGqE6EUqef7mPtg9KwJs7iJH4JHRMfIZIn18MrJh6Xz4gVvWDXRvzCL2j8wPlTnJVyrO4n7Qq4uM7TQ==' },
};

/** The krew platforms: os/arch as krew names them, the Bun runtime and compile target for each. */
export interface Target {
  os: string;
  arch: string;
  runtime: RuntimeName;
  bunTarget: string;
  exe: string;
  archive: string;
}

export const TARGETS: Target[] = (
  [

  { os: 'linux', arch: 'amd64', runtime: 'linux-x64-baseline' },
  { os: 'linux', arch: 'arm64', runtime: 'linux-aarch64' },
  { os: 'darwin', arch: 'amd64', runtime: 'darwin-x64-baseline' },
  { os: 'darwin', arch: 'arm64', runtime: 'darwin-aarch64' },
  { os: 'windows', arch: 'amd64', runtime: 'windows-x64-baseline' },
  ] as { os: string; arch: string; runtime: RuntimeName }[]
).map((t) => ({
  ...t,
  bunTarget: `bun-${t.runtime}`,
  exe: t.os === 'windows' ? 'kubectl-istio_tls.exe' : 'kubectl-istio_tls',
  archive: `kubectl-istio_tls-${t.os}-${t.arch}.${t.os === 'windows' ? 'zip' : 'tar.gz'}`,
}));

/**
 * Optional require()s the bundle keeps for packages that are not installed (ws: bufferutil and
 * utf-8-validate, debug: supports-color, node-fetch: encoding). Each sits in a try/catch; in the
 * executable they become a plain "not found" throw, so nothing is looked up on disk at run time.
 */
export const OPTIONAL_REQUIRES = ['bufferutil', 'utf-8-validate', 'supports-color', 'encoding'];

export function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-istio-tls');
}

function sh(cmd: string, args: string[], opts: Parameters<typeof spawnSync>[2] = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

/** The runtime binary of one @oven/bun-* package: fetched with `npm pack`, integrity checked, cached. */
export function runtimeBinary(name: RuntimeName): string {
  const rt = RUNTIMES[name];
  const dir = join(cacheRoot(), 'runtimes', `bun-${BUN_VERSION}-${name}-${createHash('sha256').update(rt.integrity).digest('hex').slice(0, 12)}`);
  const bin = join(dir, rt.exe);
  if (existsSync(bin)) return bin;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const out = JSON.parse(sh('npm', ['pack', `${rt.pkg}@${BUN_VERSION}`, '--json', '--pack-destination', tmp], { cwd: tmp }));
  const tgz = join(tmp, out[0].filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (integrity !== rt.integrity) throw new Error(`${rt.pkg}@${BUN_VERSION}: integrity ${integrity} is not the pinned ${rt.integrity}`);
  sh('tar', ['xzf', tgz, '-C', tmp, `package/bin/${rt.exe}`]);
  renameSync(join(tmp, 'package', 'bin', rt.exe), join(tmp, rt.exe));
  rmSync(join(tmp, 'package'), { recursive: true, force: true });
  rmSync(tgz);
  chmodSync(join(tmp, rt.exe), 0o755);
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}

/** The bun that runs `bun build` here (Linux only: the release is made on Linux). */
function hostBun() {
  if (process.platform !== 'linux') throw new Error('npm run release runs on Linux');
  if (process.arch === 'x64') return runtimeBinary('linux-x64-baseline');
  if (process.arch === 'arm64') return runtimeBinary('linux-aarch64');
  throw new Error(`no Bun runtime for linux/${process.arch}`);
}

/** dist/cli.js with the optional requires replaced by a throw; each must be present exactly once. */
export function stubOptionalRequires(source: string): string {
  let out = source;
  for (const name of OPTIONAL_REQUIRES) {
    const call = `require(${JSON.stringify(name)})`;
    const count = out.split(call).length - 1;
    if (count === 0) continue; // no longer in the bundle: nothing to stub
    out = out.split(call).join(`(() => { const e = new Error("Cannot find module '${name}'"); e.code = "MODULE_NOT_FOUND"; throw e; })()`);
  }
  return out;
}

/** Identifies a release: the bundle, this script and what goes into the archives and manifest. */
export function releaseKey() {
  const h = createHash('sha256');
  for (const f of ['dist/cli.js', 'scripts/release.ts', 'krew-manifest.template.yaml', 'LICENSE', 'package.json']) {
    h.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

// ---- darwin code signature ----

/**
 * Checks an ad-hoc Mach-O code signature as the kernel does: the CodeDirectory is ad-hoc and SHA-256,
 * every page hash matches the file, and the special slots match the requirements and entitlements
 * blobs. Returns the problems (none = valid).
 */
export function verifyAdhocSignature(exe: Buffer): string[] {
  if (exe.readUInt32LE(0) !== 0xfeedfacf) return ['not a 64-bit Mach-O'];
  const ncmds = exe.readUInt32LE(16);
  let off = 32;
  let sig: { dataoff: number; datasize: number } | undefined;
  for (let i = 0; i < ncmds; i++) {
    if (exe.readUInt32LE(off) === 0x1d) sig = { dataoff: exe.readUInt32LE(off + 8), datasize: exe.readUInt32LE(off + 12) };
    off += exe.readUInt32LE(off + 4);
  }
  if (!sig) return ['no LC_CODE_SIGNATURE'];
  const sb = exe.subarray(sig.dataoff, sig.dataoff + sig.datasize);
  if (sb.readUInt32BE(0) !== 0xfade0cc0) return ['no embedded signature superblob'];
  const blobs = new Map<number, Buffer>();
  for (let i = 0, n = sb.readUInt32BE(8); i < n; i++) {
    const type = sb.readUInt32BE(12 + i * 8);
    const at = sb.readUInt32BE(16 + i * 8);
    blobs.set(type, sb.subarray(at, at + sb.readUInt32BE(at + 4)));
  }
  const cd = blobs.get(0);
  if (!cd || cd.readUInt32BE(0) !== 0xfade0c02) return ['no CodeDirectory'];
  const problems: string[] = [];
  const version = cd.readUInt32BE(8);
  const flags = cd.readUInt32BE(12);
  const hashOffset = cd.readUInt32BE(16);
  const nSpecial = cd.readUInt32BE(24);
  const nCode = cd.readUInt32BE(28);
  let codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36];
  const hashType = cd[37];
  const pageSize = 2 ** cd[39];
  if (codeLimit === 0 && version >= 0x20300) codeLimit = Number(cd.readBigUInt64BE(56));
  if ((flags & 0x2) === 0) problems.push('the CodeDirectory is not ad-hoc');
  if (hashType !== 2 || hashSize !== 32) problems.push(`hash type ${hashType} is not SHA-256`);
  if (codeLimit !== sig.dataoff) problems.push(`the signature covers ${codeLimit} bytes, not the ${sig.dataoff} before it`);
  if (nCode !== Math.ceil(codeLimit / pageSize)) problems.push(`${nCode} page hashes for ${Math.ceil(codeLimit / pageSize)} pages`);
  const digest = (b: Buffer) => createHash('sha256').update(b).digest();
  let bad = 0;
  for (let i = 0; i < nCode; i++) {
    const page = exe.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    if (!digest(page).equals(cd.subarray(hashOffset + i * hashSize, hashOffset + (i + 1) * hashSize))) bad++;
  }
  if (bad) problems.push(`${bad} of ${nCode} page hashes do not match`);
  for (const slot of [2, 5, 7]) {
    if (slot > nSpecial) continue;
    const stored = cd.subarray(hashOffset - slot * hashSize, hashOffset - (slot - 1) * hashSize);
    const blob = blobs.get(slot);
    const zero = stored.every((x) => x === 0);
    if (blob ? !digest(blob).equals(stored) : !zero) problems.push(`special slot ${slot} does not match its blob`);
  }
  return problems;
}

// ---- archives (written here, byte-for-byte reproducible: fixed times, owners and order) ----

function tarHeader(name: string, size: number, mode: number): Buffer {
  const b = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => b.write(s, off, len, 'utf8');
  const oct = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  put(name, 0, 100);
  put(oct(mode, 8), 100, 8);
  put(oct(0, 8), 108, 8);
  put(oct(0, 8), 116, 8);
  put(oct(size, 12), 124, 12);
  put(oct(0, 12), 136, 12);
  b.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const byte of b) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return b;
}

export interface ArchiveEntry {
  name: string;
  data: Buffer;
  mode: number;
}

export function tarGz(entries: ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const { name, data, mode } of entries) {
    parts.push(tarHeader(name, data.length, mode), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

export function zip(entries: ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 1980-01-01 00:00 in DOS time/date
  const time = 0;
  const date = (0 << 9) | (1 << 5) | 1;
  for (const { name, data, mode } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const body = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is kept
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(((0o100000 | mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---- manifest ----

export function repositoryUrl(pkg: { repository?: string | { url?: string } }): string {
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!repo) throw new Error('package.json has no repository URL (the release URIs are built from it)');
  return repo.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** Fills krew-manifest.template.yaml: {{version}}, {{homepage}}, {{uri <os>/<arch>}}, {{sha256 <os>/<arch>}}. */
export function renderManifest(template: string, { version, homepage, platforms }: { version: string; homepage: string; platforms: Record<string, { uri: string; sha256: string }> }): string {
  const body = template.replace(/^(#.*\n)+/, '');
  const header = '# Generated by `npm run release` from krew-manifest.template.yaml (edit that file, not this one).\n# Submit as plugins/istio-tls.yaml to kubernetes-sigs/krew-index.\n';
  return header + body.replace(/\{\{\s*(\w+)(?:\s+([\w/]+))?\s*\}\}/g, (all: string, key: string, arg: string) => {
    if (key === 'version') return `v${version}`;
    if (key === 'homepage') return homepage;
    const p = platforms[arg];
    if (!p) throw new Error(`krew-manifest.template.yaml: ${all} names no built platform`);
    if (key === 'uri') return p.uri;
    if (key === 'sha256') return p.sha256;
    throw new Error(`krew-manifest.template.yaml: unknown placeholder ${all}`);
  });
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * Builds every target into outDir (default dist/release). Returns what it made. `build: false` uses
 * dist/cli.js as it is; `manifestToRoot` also rewrites the committed krew-manifest.yaml.
 */
export interface Built extends Target {
  exePath: string;
  exeBytes: number;
  archiveBytes: number;
  sha256: string;
  uri: string;
}

export interface ReleaseOptions {
  outDir?: string;
  build?: boolean;
  manifestToRoot?: boolean;
  only?: string[];
  log?: (line: string) => void;
}

export function release({ outDir = join(ROOT, 'dist', 'release'), build = true, manifestToRoot = false, only, log = (s: string) => void process.stderr.write(`${s}\n`) }: ReleaseOptions = {}): { outDir: string; version: string; targets: Built[]; manifest?: string } {
  if (build) sh(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const repo = repositoryUrl(pkg);
  const targets = only ? TARGETS.filter((t) => only.includes(`${t.os}-${t.arch}`)) : TARGETS;
  const bun = hostBun();
  const work = join(outDir, 'work');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'cli.js'), stubOptionalRequires(readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8')));
  writeFileSync(join(work, 'entry.mjs'), "import { main } from './cli.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  const license = readFileSync(join(ROOT, 'LICENSE'));
  let rcodesign: string | undefined;
  const made: Built[] = [];
  for (const t of targets) {
    const started = Date.now();
    const exeDir = join(work, `${t.os}-${t.arch}`);
    mkdirSync(exeDir, { recursive: true });
    const exePath = join(exeDir, t.exe);
    sh(bun, [
      'build', '--compile', '--minify',
      // JavaScriptCore bytecode in the executable: `version` starts in a third of the time (parsing the
      // 5 MB bundle dominates otherwise); the source stays embedded as the fallback
      '--bytecode', '--format=esm',
      `--target=${t.bunTarget}`,
      `--compile-executable-path=${runtimeBinary(t.runtime)}`,
      // a krew plugin must not pick up .env or bunfig.toml from whatever directory it runs in
      '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
      '--no-compile-autoload-tsconfig', '--no-compile-autoload-package-json',
      join(work, 'entry.mjs'), '--outfile', exePath,
    ], { cwd: work });
    if (t.os === 'darwin') {
      // an Apple-silicon kernel kills a binary whose signature is missing or broken: ad-hoc sign it
      rcodesign ??= buildRcodesign();
      sh(rcodesign, ['sign', exePath]);
      // `rcodesign verify` rejects every ad-hoc signature (it parses the empty CMS blob Apple's own
      // ad-hoc signatures carry and fails: a known bug it warns about); check what the kernel checks
      const problems = verifyAdhocSignature(readFileSync(exePath));
      if (problems.length) throw new Error(`${t.os}/${t.arch} signature: ${problems.join('; ')}`);
    }
    const exe = readFileSync(exePath);
    const entries = [
      { name: t.exe, data: exe, mode: 0o755 },
      { name: 'LICENSE', data: license, mode: 0o644 },
    ];
    const archive = t.archive.endsWith('.zip') ? zip(entries) : tarGz(entries);
    writeFileSync(join(outDir, t.archive), archive);
    const entry = { ...t, exePath, exeBytes: exe.length, archiveBytes: archive.length, sha256: sha256(archive), uri: `${repo}/releases/download/v${pkg.version}/${t.archive}` };
    made.push(entry);
    log(`release: ${t.archive}  ${(archive.length / 1e6).toFixed(1)} MB (executable ${(exe.length / 1e6).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  writeFileSync(join(outDir, 'SHA256SUMS'), made.map((m) => `${m.sha256}  ${m.archive}\n`).join(''));
  let manifest: string | undefined;
  if (made.length === TARGETS.length) {
    const template = readFileSync(join(ROOT, 'krew-manifest.template.yaml'), 'utf8');
    const platforms = Object.fromEntries(made.map((m) => [`${m.os}/${m.arch}`, m]));
    manifest = renderManifest(template, { version: pkg.version, homepage: repo, platforms });
    // krew's validator wants the file named after the plugin
    writeFileSync(join(outDir, 'istio-tls.yaml'), manifest);
    writeFileSync(join(outDir, 'krew-manifest.yaml'), manifest);
    if (manifestToRoot) writeFileSync(join(ROOT, 'krew-manifest.yaml'), manifest);
  }
  writeFileSync(join(outDir, 'release.json'), JSON.stringify({ version: pkg.version, bun: BUN_VERSION, key: releaseKey(), targets: made.map(({ exePath, ...m }) => ({ ...m, exe: join(`${m.os}-${m.arch}`, m.exe) })) }, null, 2));
  return { outDir, version: pkg.version, targets: made, manifest };
}

/**
 * A release of the current dist/cli.js for tests: built once into the cache (keyed by releaseKey()),
 * reused by every test file of a run and by later runs while the bundle is unchanged.
 */
export function cachedRelease({ log }: { log?: (line: string) => void } = {}): Release {
  const key = releaseKey();
  const dir = join(cacheRoot(), 'release', key);
  const done = join(dir, 'release.json');
  if (existsSync(done)) return loadRelease(dir);
  // `npm run release` of this same bundle already made it
  const made = join(ROOT, 'dist', 'release');
  try {
    if ((JSON.parse(readFileSync(join(made, 'release.json'), 'utf8')) as { key?: string }).key === key) return loadRelease(made);
  } catch {}
  // one builder at a time (test files run in parallel processes)
  const lock = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(done)) return loadRelease(dir);
      // a lock left by a killed run: older than the longest build
      try {
        if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    if (!existsSync(done)) {
      const tmp = `${dir}.tmp`;
      release({ outDir: tmp, build: false, log });
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      // a release is ~1 GB with its executables: keep only the newest bundle's
      for (const other of readdirSync(dirname(dir))) {
        if (other !== key && !other.endsWith('.lock')) rmSync(join(dirname(dir), other), { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return loadRelease(dir);
}

export interface Release {
  dir: string;
  version: string;
  bun: string;
  manifestPath: string;
  targets: (Omit<Built, 'exe'> & { exe: string; archivePath: string })[];
}

export function loadRelease(dir: string): Release {
  const info = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')) as { version: string; bun: string; targets: (Built & { exe: string })[] };
  return {
    dir,
    version: info.version,
    bun: info.bun,
    manifestPath: join(dir, 'istio-tls.yaml'),
    targets: info.targets.map((t) => ({ ...t, exePath: join(dir, 'work', t.exe), archivePath: join(dir, t.archive) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  try {
    // --cached: the release of the current dist/cli.js in the cache, as the release tests use it
    // (built once per bundle); prints its directory. `npm run test:all` builds it before the tests.
    if (args.includes('--cached')) {
      process.stdout.write(`${cachedRelease({ log: (line) => process.stderr.write(`${line}\n`) }).dir}\n`);
      process.exit(0);
    }
    const r = release({
      outDir: opt('--out') ?? join(ROOT, 'dist', 'release'),
      build: !args.includes('--no-build'),
      manifestToRoot: !args.includes('--no-manifest') && opt('--only') === undefined,
      only: opt('--only')?.split(','),
    });
    for (const f of readdirSync(r.outDir).filter((f) => !f.startsWith('work'))) process.stdout.write(`${join(r.outDir, f)}\n`);
  } catch (e) {
    process.stderr.write(`release: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
