// The README's promises that tests can hold it to.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { helpText } from '../../src/cli/help.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('Quick start opens with exactly `npm ci && npm run demo` then `npm ci && npm test`', () => {
    const section = readme.slice(readme.indexOf('## Quick start'));
    const block = section.slice(section.indexOf('```'), section.indexOf('```', section.indexOf('```') + 3));
    const commands = block
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '');
    assert.deepEqual(commands.slice(0, 2), ['npm ci && npm run demo', 'npm ci && npm test']);
  });

  it('documents every flag the CLI accepts', () => {
    const flags = [...helpText('doctor').matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]);
    for (const flag of new Set(flags)) assert.ok(readme.includes(`\`${flag}`) || readme.includes(` ${flag}`), `${flag} in README`);
  });

  it('documents the exit codes and the RBAC the doctor needs', () => {
    assert.match(readme, /\| 2 \| the doctor could not do its job/);
    for (const word of ['pods/exec', 'pods/portforward', 'secrets', 'networking.istio.io']) assert.ok(readme.includes(word), word);
  });
});
