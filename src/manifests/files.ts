// Reads `-f` arguments (files and directories, recursively) into parsed documents, with errors that
// name the file and line. Scenario directories also hold things that are not Kubernetes objects
// (certs.yaml, expect.json, scenario.json, files/, envoy/): those are skipped at a directory's top.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Composer, LineCounter, Parser } from 'yaml';
import { recordOrigins, type OriginIndex } from './positions.js';

/** A file the user named cannot be read or parsed. The CLI prints the message and exits 2. */
export class ManifestError extends Error {}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/** top-level names in a scenario directory that are not cluster objects */
const SCENARIO_FILES = new Set(['certs.yaml', 'certs.yml', 'expect.json', 'scenario.json']);
const SKIPPED_DIRS = new Set(['files', 'envoy']);
const IGNORED_DIRS = new Set(['node_modules', '.git']);

export interface ParsedFile {
  path: string;
  docs: unknown[];
}

/** Every manifest file under the given paths, in a stable order (files as given, directories sorted). */
export function listManifestFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ManifestError(code === 'ENOENT' ? `${p}: no such file or directory` : `${p}: cannot read (${code ?? (e as Error).message})`);
    }
    if (st.isDirectory()) walkDirectory(p, p, out);
    else out.push(p);
  }
  return out;
}

function walkDirectory(dir: string, root: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new ManifestError(`${dir}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (IGNORED_DIRS.has(name) || name.startsWith('.')) continue;
      if (dir === root && SKIPPED_DIRS.has(name)) continue;
      walkDirectory(p, root, out);
    } else if (MANIFEST_FILE.test(name) && !(dir === root && SCENARIO_FILES.has(name))) {
      out.push(p);
    }
  }
}

/** Parse one file's text: JSON (one object or an array) or multi-document YAML. */
export function parseManifestText(text: string, path: string): unknown[] {
  return [...manifestDocuments(text, path)];
}

/**
 * The documents of one file's text, one at a time: YAML is parsed and composed document by document
 * (the `yaml` package's Parser and Composer, lazily), each turned into plain JS and its syntax tree dropped
 * before the next is read, so a 20 MB file never holds every document's tree at once (issue 10: peak RSS).
 */
export function* manifestDocuments(text: string, path: string, origins?: OriginIndex): Generator<unknown> {
  const trimmed = text.trimStart();
  // JSON is YAML: with `origins` asked for, JSON goes through the YAML parser too, for its node positions
  if (!origins && (path.toLowerCase().endsWith('.json') || (trimmed.startsWith('{') && !path.match(/\.ya?ml$/i)))) {
    let v: unknown;
    try {
      v = JSON.parse(text) as unknown;
    } catch (e) {
      throw new ManifestError(`${path}: invalid JSON${jsonErrorLine(text, e as Error)}: ${(e as Error).message.replace(/^.*?: /, '')}`);
    }
    if (Array.isArray(v)) yield* v;
    else yield v;
    return;
  }
  const lineCounter = new LineCounter();
  const composer = new Composer({ prettyErrors: false });
  for (const doc of composer.compose(new Parser(lineCounter.addNewLine).parse(text))) {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      const firstLine = err.message.split('\n')[0];
      throw new ManifestError(`${path}:${pos.line}: invalid YAML: ${firstLine}`);
    }
    if (origins && path !== '<stdin>') recordOrigins(doc.contents, path, lineCounter, origins);
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    // a JSON array is one document holding every object (YAML reads it as a sequence)
    if (origins && Array.isArray(value) && (path.toLowerCase().endsWith('.json') || trimmed.startsWith('['))) yield* value;
    else if (value !== null && value !== undefined) yield value;
  }
}

function jsonErrorLine(text: string, e: Error): string {
  const m = e.message.match(/position (\d+)/);
  if (!m) return '';
  const line = text.slice(0, Number(m[1])).split('\n').length;
  return ` at line ${line}`;
}

function readManifestText(path: string): string {
  try {
    // `-f -` reads standard input, as kubectl does
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new ManifestError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function readManifestFiles(paths: string[]): ParsedFile[] {
  return listManifestFiles(paths).map((path) => {
    const label = path === '-' ? '<stdin>' : path;
    return { path: label, docs: parseManifestText(readManifestText(path), label) };
  });
}

/**
 * Every file's documents handed to `each` one at a time (file by file, document by document), without
 * keeping them: the streaming form of readManifestFiles. Returns the file labels in order.
 */
export function forEachManifestDocument(paths: string[], each: (doc: unknown, file: string) => void, origins?: OriginIndex): string[] {
  const files: string[] = [];
  for (const path of listManifestFiles(paths)) {
    const label = path === '-' ? '<stdin>' : path;
    files.push(label);
    for (const doc of manifestDocuments(readManifestText(path), label, origins)) each(doc, label);
  }
  return files;
}
