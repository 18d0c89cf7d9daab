// `npm run release` output, checked per platform: archive layout, SHA256SUMS and manifest agree with the
// bytes; every executable has its platform's header and the bundle as its payload; the darwin ones carry
// a signature rcodesign verifies; linux/amd64 runs here and linux/arm64 under qemu-user.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { BIN, ROOT } from '../scenario/harness.js';
import { verifyAdhocSignature } from '../../scripts/release.js';
import { qemuAarch64, rcodesign, releaseSkip, target, theRelease } from './_release.js';

interface Entry {
  name: string;
  mode: number;
  data: Buffer;
}

function untar(buf: Buffer): Entry[] {
  const tar = gunzipSync(buf);
  const out: Entry[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.toString('utf8', off + 124, off + 136).replace(/\0.*$/s, '').trim(), 8);
    const mode = parseInt(tar.toString('utf8', off + 100, off + 108).replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, mode, data: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function unzip(buf: Buffer): Entry[] {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let off = buf.readUInt32LE(end + 16);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(off + 28);
    const extra = buf.readUInt16LE(off + 30);
    const comment = buf.readUInt16LE(off + 32);
    const mode = buf.readUInt32LE(off + 38) >>> 16;
    const local = buf.readUInt32LE(off + 42);
    const name = buf.toString('utf8', off + 46, off + 46 + nameLen);
    const csize = buf.readUInt32LE(off + 20);
    const method = buf.readUInt16LE(off + 10);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + csize);
    out.push({ name, mode: mode & 0o777, data: method === 8 ? inflateRawSync(raw) : raw });
    off += 46 + nameLen + extra + comment;
  }
  return out;
}

/** Section (ELF, PE) or segment (Mach-O) names and their bytes. */
function sections(exe: Buffer): { format: string; machine: string; sections: Map<string, Buffer>; codeSignature?: boolean } {
  const map = new Map<string, Buffer>();
  if (exe.readUInt32BE(0) === 0x7f454c46) {
    const machine = exe.readUInt16LE(18);
    const shoff = Number(exe.readBigUInt64LE(40));
    const shentsize = exe.readUInt16LE(58);
    const shnum = exe.readUInt16LE(60);
    const shstrndx = exe.readUInt16LE(62);
    const sh = (i: number) => shoff + i * shentsize;
    const strOff = Number(exe.readBigUInt64LE(sh(shstrndx) + 24));
    for (let i = 0; i < shnum; i++) {
      const nameOff = exe.readUInt32LE(sh(i));
      const name = exe.toString('latin1', strOff + nameOff, exe.indexOf(0, strOff + nameOff));
      const off = Number(exe.readBigUInt64LE(sh(i) + 24));
      const size = Number(exe.readBigUInt64LE(sh(i) + 32));
      map.set(name, exe.subarray(off, off + size));
    }
    return { format: 'ELF', machine: machine === 0x3e ? 'amd64' : machine === 0xb7 ? 'arm64' : `0x${machine.toString(16)}`, sections: map };
  }
  if (exe.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = exe.readUInt32LE(4);
    const ncmds = exe.readUInt32LE(16);
    let off = 32;
    let codeSignature = false;
    for (let i = 0; i < ncmds; i++) {
      const cmd = exe.readUInt32LE(off);
      const size = exe.readUInt32LE(off + 4);
      if (cmd === 0x19) {
        const name = exe.toString('latin1', off + 8, off + 24).replace(/\0.*$/s, '');
        const fileoff = Number(exe.readBigUInt64LE(off + 40));
        const filesize = Number(exe.readBigUInt64LE(off + 48));
        map.set(name, exe.subarray(fileoff, fileoff + filesize));
      }
      if (cmd === 0x1d) codeSignature = true;
      off += size;
    }
    return { format: 'Mach-O', machine: cpu === 0x01000007 ? 'amd64' : cpu === 0x0100000c ? 'arm64' : `0x${cpu.toString(16)}`, sections: map, codeSignature };
  }
  if (exe.toString('latin1', 0, 2) === 'MZ') {
    const pe = exe.readUInt32LE(0x3c);
    assert.equal(exe.toString('latin1', pe, pe + 4), 'PE\0\0');
    const machine = exe.readUInt16LE(pe + 4);
    const nsec = exe.readUInt16LE(pe + 6);
    const optSize = exe.readUInt16LE(pe + 20);
    let off = pe + 24 + optSize;
    for (let i = 0; i < nsec; i++, off += 40) {
      const name = exe.toString('latin1', off, off + 8).replace(/\0.*$/s, '');
      const rawSize = exe.readUInt32LE(off + 16);
      const rawPtr = exe.readUInt32LE(off + 20);
      map.set(name, exe.subarray(rawPtr, rawPtr + rawSize));
    }
    return { format: 'PE', machine: machine === 0x8664 ? 'amd64' : `0x${machine.toString(16)}`, sections: map };
  }
  return { format: 'unknown', machine: '', sections: map };
}

const PAYLOAD_SECTION: Record<string, string> = { ELF: '.bun', 'Mach-O': '__BUN', PE: '.bun' };
const NOW = '2026-06-01T00:00:00Z';

function npmBuild(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

describe('release archives (npm run release)', { skip: releaseSkip }, () => {
  it('five archives, each the executable (0755) and LICENSE; SHA256SUMS and the manifest name their real sha256 and this version’s URI', () => {
    const rel = theRelease();
    assert.deepEqual(rel.targets.map((t) => t.archive).sort(), [
      'kubectl-istio_tls-darwin-amd64.tar.gz',
      'kubectl-istio_tls-darwin-arm64.tar.gz',
      'kubectl-istio_tls-linux-amd64.tar.gz',
      'kubectl-istio_tls-linux-arm64.tar.gz',
      'kubectl-istio_tls-windows-amd64.zip',
    ]);
    const sums = new Map(readFileSync(join(rel.dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/).reverse() as [string, string]));
    const manifest = parse(readFileSync(rel.manifestPath, 'utf8')) as { spec: { version: string; platforms: { selector: { matchLabels: { os: string; arch: string } }; uri: string; sha256: string; bin: string }[] } };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.spec.version, `v${pkg.version}`);
    for (const t of rel.targets) {
      const bytes = readFileSync(t.archivePath);
      const sha = createHash('sha256').update(bytes).digest('hex');
      assert.equal(sums.get(t.archive), sha, `SHA256SUMS for ${t.archive}`);
      const p = manifest.spec.platforms.find((x) => x.selector.matchLabels.os === t.os && x.selector.matchLabels.arch === t.arch);
      assert.ok(p, `manifest has ${t.os}/${t.arch}`);
      assert.equal(p.sha256, sha);
      assert.match(p.uri, new RegExp(`^https://github\\.com/[\\w.-]+/[\\w.-]+/releases/download/v${pkg.version.replace(/\./g, '\\.')}/${t.archive.replace(/\./g, '\\.')}$`));
      const entries = t.archive.endsWith('.zip') ? unzip(bytes) : untar(bytes);
      assert.deepEqual(entries.map((e) => e.name).sort(), ['LICENSE', p.bin].sort());
      assert.equal(entries.find((e) => e.name === p.bin)?.mode, 0o755);
      assert.deepEqual(entries.find((e) => e.name === 'LICENSE')?.data, readFileSync(join(ROOT, 'LICENSE')));
      assert.deepEqual(entries.find((e) => e.name === p.bin)?.data, readFileSync(t.exePath), 'the archive holds the executable that was checked');
    }
  });

  it('each executable has its platform’s header and the bundle as its payload', () => {
    const rel = theRelease();
    const want: Record<string, string> = { linux: 'ELF', darwin: 'Mach-O', windows: 'PE' };
    const bundleMarker = 'kubectl_complete-istio_tls';
    for (const t of rel.targets) {
      const exe = readFileSync(t.exePath);
      const info = sections(exe);
      assert.equal(info.format, want[t.os], `${t.os}/${t.arch} format`);
      assert.equal(info.machine, t.arch, `${t.os}/${t.arch} machine`);
      const payload = info.sections.get(PAYLOAD_SECTION[info.format]);
      assert.ok(payload && payload.length > 1_000_000, `${t.os}/${t.arch}: ${PAYLOAD_SECTION[info.format]} holds the bundle`);
      assert.ok(payload.includes(bundleMarker) && payload.includes('ITLS101'), `${t.os}/${t.arch}: the payload is our bundle`);
      if (t.os === 'darwin') assert.ok(info.codeSignature, `${t.os}/${t.arch} has LC_CODE_SIGNATURE`);
    }
  });

  it('the darwin executables carry a valid ad-hoc signature (page hashes, special slots; rcodesign reads it as adhoc)', () => {
    const rel = theRelease();
    for (const arch of ['amd64', 'arm64']) {
      const t = target(rel, 'darwin', arch);
      const exe = readFileSync(t.exePath);
      assert.deepEqual(verifyAdhocSignature(exe), [], `darwin/${arch}`);
      const info = spawnSync(rcodesign(), ['print-signature-info', t.exePath], { encoding: 'utf8' });
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stdout, /flags: CodeSignatureFlags\(ADHOC/, 'ad-hoc signed');
      assert.match(info.stdout, /digest_type: sha256/);
      // the check sees a changed byte (`rcodesign verify` cannot be used: it fails on every ad-hoc
      // signature, parsing the empty CMS blob Apple's ad-hoc signatures carry)
      const tampered = Buffer.from(exe);
      tampered[100_000] ^= 1;
      assert.match(verifyAdhocSignature(tampered).join(), /page hashes do not match/);
    }
  });

  it('linux/amd64 runs here: version and doctor -f match the npm build, and nothing is printed on stderr', { skip: process.arch === 'x64' ? false : 'not an x86-64 machine' }, () => {
    const exe = target(theRelease(), 'linux', 'amd64').exePath;
    const v = spawnSync(exe, ['version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.equal(v.stderr, '', 'no warning (optional requires are stubbed)');
    assert.match(v.stdout, /^kubectl-istio-tls \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+\)\n$/);
    assert.equal(v.stdout.replace(/ \(.*\)\n$/, ''), npmBuild(['version']).stdout.replace(/ \(.*\)\n$/, ''));
    for (const o of ['table', 'json']) {
      const args = ['doctor', '-f', 'examples/kiali', '--now', NOW, '-o', o];
      const r = spawnSync(exe, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const n = npmBuild(args);
      assert.equal(r.stdout, n.stdout, `doctor -o ${o}`);
      assert.equal(r.stderr, n.stderr);
      assert.equal(r.status, n.status);
    }
  });

  const qemu = qemuAarch64();
  it('linux/arm64 runs under qemu-user: doctor -f matches the npm build', { skip: typeof qemu === 'string' ? qemu : false }, () => {
    if (typeof qemu === 'string') return;
    const exe = target(theRelease(), 'linux', 'arm64').exePath;
    const args = ['doctor', '-f', 'examples/kiali', '--now', NOW, '-o', 'json'];
    const r = spawnSync(qemu.qemu, ['-L', qemu.sysroot, exe, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 600_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, npmBuild(args).stdout);
  });
});
