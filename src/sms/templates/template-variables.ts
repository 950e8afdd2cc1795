/** The variables a template may use: the table, the tree validation walks, and the view model a render sees. */

export interface TemplateVariables {
  ticket?: { number: number; subject: string; problem: string; status: string };
  customer?: { name: string; firstName: string };
  account?: { name: string };
  technician?: { name: string; firstName: string };
  portalUrl?: string;
  message?: string;
  businessHours?: { nextOpening?: string };
  timezone?: string;
}

/** Every variable a template may use; validation, docs and previews all read this one table. */
export const TEMPLATE_VARIABLES: ReadonlyArray<{ path: string; description: string; example: string | number }> = [
  { path: 'ticket.number', description: 'Ticket number the customer sees', example: 1042 },
  { path: 'ticket.subject', description: 'Ticket subject line', example: 'Printer keeps jamming' },
  {
    path: 'ticket.problem',
    description: 'Problem as first reported; long, so usually shortened with truncate',
    example: 'The printer on the 2nd floor jams on every print job since this morning',
  },
  { path: 'ticket.status', description: 'Current ticket status', example: 'In progress' },
  { path: 'customer.name', description: "Customer's full name", example: 'Sam Rivera' },
  {
    path: 'customer.firstName',
    description: "Customer's first name (taken from the full name when not set)",
    example: 'Sam',
  },
  { path: 'account.name', description: 'Name of your business, as customers know it', example: 'Acme IT' },
  {
    path: 'technician.name',
    description: "Assigned technician's full name (empty when nobody is assigned)",
    example: 'Jordan Lee',
  },
  { path: 'technician.firstName', description: "Assigned technician's first name", example: 'Jordan' },
  {
    path: 'portalUrl',
    description: 'Link where the customer can follow the ticket',
    example: 'https://help.example.com/t/1042',
  },
  {
    path: 'message',
    description: 'Text the technician wrote to the customer (ticket_update only)',
    example: 'The new part arrived. We will install it tomorrow at 10 AM.',
  },
  {
    path: 'businessHours.nextOpening',
    description: 'When you open next, as an ISO 8601 date-time (after_hours only); format it with the date helper',
    example: '2026-01-19T08:00:00-05:00',
  },
  {
    path: 'timezone',
    description: 'IANA time zone of the account, used by the date helper',
    example: 'America/New_York',
  },
];

/** Only plain values reach the SMS: objects and functions print as nothing, never as source or "[object …]". */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}

/** The first-name rule: the first word of the full name. */
export function firstName(name: unknown): string {
  return toText(name).trim().split(/\s+/)[0] ?? '';
}

export interface VariableNode {
  leaf: boolean;
  children: Map<string, VariableNode>;
}

export const VARIABLE_TREE: VariableNode = (() => {
  const root: VariableNode = { leaf: false, children: new Map() };
  for (const { path } of TEMPLATE_VARIABLES) {
    let node = root;
    for (const part of path.split('.')) {
      let child = node.children.get(part);
      if (!child) {
        child = { leaf: false, children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.leaf = true;
  }
  return root;
})();

/**
 * Prototype of every object a template sees: no Object.prototype behind it, so `constructor`,
 * `__proto__` and friends resolve to nothing, and `{{this}}` prints '' rather than "[object Object]".
 */
const VIEW_PROTO: object = Object.freeze(Object.create(null, { [Symbol.toPrimitive]: { value: () => '' } }));

/**
 * Strings, numbers and booleans pass; a Date becomes ISO 8601 text (what the date helper reads); anything else is
 * dropped.
 */
function templateValue(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function readPath(source: unknown, parts: readonly string[]): unknown {
  let current = source;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function writePath(target: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let current = target;
  for (const part of parts.slice(0, -1)) {
    let next = current[part];
    if (next === undefined) {
      next = Object.create(VIEW_PROTO) as Record<string, unknown>;
      current[part] = next;
    }
    current = next as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}

/**
 * Copies only the table's variables, so extra fields of a caller's objects (or their prototypes) never reach a
 * template.
 */
export function viewModel(variables: TemplateVariables | undefined): Record<string, unknown> {
  const view = Object.create(VIEW_PROTO) as Record<string, unknown>;
  for (const { path } of TEMPLATE_VARIABLES) {
    const parts = path.split('.');
    const value = templateValue(readPath(variables, parts));
    if (value !== undefined) writePath(view, parts, value);
  }
  for (const person of ['customer', 'technician']) {
    const name = readPath(view, [person, 'name']);
    if (readPath(view, [person, 'firstName']) === undefined && typeof name === 'string' && name.trim() !== '') {
      writePath(view, [person, 'firstName'], firstName(name));
    }
  }
  return view;
}

/** Example variables (from TEMPLATE_VARIABLES examples) for previews without a ticket. */
export function exampleVariables(): TemplateVariables {
  const example: Record<string, unknown> = {};
  for (const { path, example: value } of TEMPLATE_VARIABLES) {
    let target = example;
    const parts = path.split('.');
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  }
  // The table is the single source of the examples; the spec checks it matches TemplateVariables.
  return example as TemplateVariables;
}
