import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the README', () => {
  it('shows the host example that the typecheck compiles, in under 60 lines', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const example = /<!-- host-example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    // `npm run typecheck` compiles test/readme-host strictly, with 'ticket-sms' pointing at src/sms (tsconfig paths).
    expect(example).toBe(await readFile(join(ROOT, 'test', 'readme-host', 'app.module.ts'), 'utf8'));
    expect(example!.trimEnd().split('\n').length).toBeLessThan(60);
  });

  it('and the docs link only to files that exist', async () => {
    const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    const missing: string[] = [];
    for (const file of ['README.md', 'CHANGELOG.md', ...docs]) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(((?!https?:|mailto:|#)[^)#\s]+)(?:#[^)]*)?\)/g)) {
        const exists = await readFile(join(ROOT, dirname(file), target)).then(
          () => true,
          () => false,
        );
        if (!exists) missing.push(`${file} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
