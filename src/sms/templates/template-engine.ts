/**
 * The one Handlebars instance templates compile with: plain text (noEscape), only our helpers, nothing read from
 * prototypes, and every block body and helper call counted against the render's budget.
 */
import Handlebars from 'handlebars';
import { counted, metered } from './template-budget';
import { HELPER_BODIES, HELPER_RULES } from './template-helpers';

/** Every way a template repeats or nests text goes through these, so each body run is counted. */
const METERED_BLOCK_HELPERS = ['each', 'if', 'unless', 'with', 'blockHelperMissing'] as const;

function createHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  // `log` writes to the server console and `lookup` reads properties by computed name, bypassing validation.
  hb.unregisterHelper('log');
  hb.unregisterHelper('lookup');
  for (const name of METERED_BLOCK_HELPERS) {
    const builtIn = hb.helpers[name] as Handlebars.HelperDelegate;
    hb.registerHelper(name, function (this: unknown, ...raw: unknown[]) {
      const options = raw[raw.length - 1] as Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation };
      raw[raw.length - 1] = {
        ...options,
        fn: metered(options.fn, options.loc),
        inverse: metered(options.inverse, options.loc),
      };
      return (builtIn as (...args: unknown[]) => unknown).apply(this, raw);
    });
  }
  for (const [name, body] of Object.entries(HELPER_BODIES)) {
    hb.registerHelper(name, (...raw: unknown[]) => {
      // Handlebars always passes its options object last, after the template's arguments.
      const options = raw.pop() as Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation };
      return counted(options.loc, () => body(raw, options));
    });
  }
  return hb;
}

export const engine = createHandlebars();

export const COMPILE_OPTIONS = {
  noEscape: true,
  // Unknown helpers fail at compile time instead of being looked up on the data.
  knownHelpersOnly: true,
  knownHelpers: {
    ...Object.fromEntries(HELPER_RULES.map((rule) => [rule.name, true])),
    log: false,
    lookup: false,
    helperMissing: false,
    blockHelperMissing: false,
  },
  preventIndent: true,
};

export const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};
