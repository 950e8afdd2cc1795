import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TEMPLATE_KEYS, TemplateKey } from './template-renderer';

let packageFolder: string | undefined;

/**
 * The templates shipped with the package (templates/sms at its root), found by walking up to the folder that holds
 * package.json and templates/sms: the same answer from src/, dist/src/ and node_modules/ticket-sms/dist/src/.
 */
export function packageTemplatesFolder(): string {
  if (packageFolder) return packageFolder;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'sms');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return (packageFolder = candidate);
    if (dirname(dir) === dir)
      throw new Error(`ticket-sms cannot find its templates/sms folder above ${__dirname}; set templatesDir`);
  }
}

const cache = new Map<string, string>();

/** `<folder>/<key>.hbs`, read once per folder and key: the text a template has until an admin saves their own. */
export function defaultTemplate(key: TemplateKey, folder: string = packageTemplatesFolder()): string {
  // Keys can come from URLs via untyped callers; never let one name another file.
  if (!(TEMPLATE_KEYS as readonly string[]).includes(key)) throw new Error(`No default SMS template "${String(key)}"`);
  const path = join(folder, `${key}.hbs`);
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}
