import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import Handlebars from 'handlebars';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import type { ConsoleContext } from './auth/console-request';

/** The folder that holds `name` next to this file (ts-jest, ts-node) or in the source tree (compiled to dist/). */
export function consoleAsset(name: 'views' | 'public'): string {
  const candidates = [join(__dirname, name), join(__dirname, '..', '..', '..', 'src', 'console', name)];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`The console's ${name} folder is missing (looked in ${candidates.join(', ')})`);
  return found;
}

/** "Monday 08:00" for an instant within the coming week, seen in `zone`; with the date when further out. */
export function localTime(at: Date, zone: string, now: Date): string {
  const local = DateTime.fromJSDate(at).setZone(zone);
  return local.toFormat(at.getTime() - now.getTime() < 6 * 86_400_000 ? 'cccc HH:mm' : 'cccc d LLL HH:mm');
}

/**
 * A phone number as the console shows it everywhere: national format for the account's country, international for
 * others, the E.164 form on hover; anything unparsable as given.
 */
export function formatPhone(e164: string, country: string | undefined): { text: string; e164: string } {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isPossible()) return { text: e164, e164 };
  return {
    text: parsed.country && parsed.country === country ? parsed.formatNational() : parsed.formatInternational(),
    e164: parsed.number,
  };
}

// Scripts and styles come from /console/assets only; no inline script can run even if some text slipped through.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface NavItem {
  href: string;
  label: string;
  key: string;
  adminOnly?: boolean;
}

/** "Mon 7 Dec 2026, 09:30 EST": every time on a page says which zone it is in. */
export function formatDate(value: Date, zone: string): string {
  return DateTime.fromJSDate(value).setZone(zone).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

const NAV: NavItem[] = [
  { href: '/console/tickets', label: 'Tickets', key: 'tickets' },
  { href: '/console/inbox', label: 'Inbox', key: 'inbox' },
  { href: '/console/triage', label: 'Triage', key: 'triage' },
  { href: '/console/canned-replies', label: 'Canned replies', key: 'canned-replies' },
  { href: '/console/templates', label: 'Templates', key: 'templates', adminOnly: true },
  { href: '/console/credits', label: 'Credits', key: 'credits', adminOnly: true },
  { href: '/console/numbers', label: 'Numbers', key: 'numbers', adminOnly: true },
  { href: '/console/users', label: 'Users', key: 'users', adminOnly: true },
  { href: '/console/settings', label: 'Settings', key: 'settings', adminOnly: true },
  { href: '/console/profile', label: 'My profile', key: 'profile' },
];

export interface PageOptions {
  title: string;
  /** Which navigation entry is current. */
  nav?: string;
  status?: number;
  /** Page scripts under /console/assets. */
  scripts?: string[];
  /** Page stylesheets under /console/assets, after console.css. */
  styles?: string[];
  /** Counts shown beside navigation entries (the inbox's waiting threads), when the page knows them. */
  navCounts?: Record<string, number>;
}

/**
 * Server-rendered pages: one Handlebars instance of the console's own (HTML-escaping on), views and partials
 * compiled once, every page wrapped in the layout with the header, navigation and the session's CSRF token.
 */
@Injectable()
export class ConsoleViews {
  private readonly hbs = Handlebars.create();
  private readonly views = new Map<string, Handlebars.TemplateDelegate>();

  constructor() {
    const dir = consoleAsset('views');
    this.registerHelpers();
    for (const file of readdirSync(join(dir, 'partials'))) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, 'partials', file), 'utf8'));
    }
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) {
      this.views.set(
        basename(file, '.hbs'),
        this.hbs.compile(readFileSync(join(dir, file), 'utf8'), { strict: false, preventIndent: true }),
      );
    }
  }

  /** Renders `view` inside the layout and sends it with the console's security headers. */
  page(
    res: Response,
    console: ConsoleContext | null,
    view: string,
    data: Record<string, unknown>,
    options: PageOptions,
  ): void {
    const body = this.render(view, {
      ...data,
      csrf: console?.session.csrfToken,
      me: console?.user,
      timezone: console?.account.timezone,
      country: console?.account.defaultCountry,
    });
    const isAdmin = console?.user.role === 'admin';
    const html = this.render('layout', {
      title: options.title,
      body,
      console,
      csrf: console?.session.csrfToken,
      nav: console
        ? NAV.filter((n) => isAdmin || !n.adminOnly).map((n) => ({
            ...n,
            current: n.key === options.nav,
            badge: options.navCounts?.[n.key],
          }))
        : [],
      scripts: [...(console ? ['nav-count.js'] : []), ...(options.scripts ?? [])],
      styles: options.styles ?? [],
    });
    res.status(options.status ?? 200);
    this.send(res, html);
  }

  send(res: Response, html: string): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    res.send(html);
  }

  render(view: string, data: Record<string, unknown>): string {
    const template = this.views.get(view);
    if (!template) throw new Error(`No console view ${view}`);
    return template(data, { allowProtoPropertiesByDefault: false });
  }

  private registerHelpers(): void {
    const h = this.hbs;
    h.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    h.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
    h.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    h.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
    h.registerHelper('not', (a: unknown) => !a);
    h.registerHelper('gt', (a: unknown, b: unknown) => Number(a) > Number(b));
    h.registerHelper('count', (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en-US') : n));
    // Dates show in the account's time zone, given as the second argument or taken from the page's `timezone`.
    h.registerHelper('date', function (this: unknown, value: unknown, ...rest: unknown[]) {
      const options = rest[rest.length - 1] as Handlebars.HelperOptions;
      const zone =
        (typeof rest[0] === 'string' ? rest[0] : (options.data?.root as { timezone?: string })?.timezone) ?? 'UTC';
      if (!value) return '';
      return formatDate(value instanceof Date ? value : new Date(String(value)), zone);
    });
    h.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
    // A field's error, next to it, from the page's `errors` (by input id); the input points at it with fieldAttrs.
    h.registerHelper('fieldError', (id: unknown, options: Handlebars.HelperOptions) => {
      const message = (options.data?.root as { errors?: Record<string, string> })?.errors?.[String(id)];
      if (!message) return '';
      const safeId = Handlebars.escapeExpression(String(id));
      return new Handlebars.SafeString(
        `<p class="field-error" id="${safeId}-error">${Handlebars.escapeExpression(message)}</p>`,
      );
    });
    h.registerHelper('fieldAttrs', (id: unknown, ...rest: unknown[]) => {
      const options = rest[rest.length - 1] as Handlebars.HelperOptions;
      const hint = typeof rest[0] === 'string' ? rest[0] : '';
      const invalid = Boolean((options.data?.root as { errors?: Record<string, string> })?.errors?.[String(id)]);
      const describedBy = [hint, invalid ? `${String(id)}-error` : ''].filter(Boolean).join(' ');
      return new Handlebars.SafeString(
        `id="${Handlebars.escapeExpression(String(id))}"` +
          (describedBy ? ` aria-describedby="${Handlebars.escapeExpression(describedBy)}"` : '') +
          (invalid ? ' aria-invalid="true"' : ''),
      );
    });
    h.registerHelper('statusClass', (status: unknown) => `status status-${String(status).replace(/[^a-z_]/g, '')}`);
    h.registerHelper(
      'ticketStatusClass',
      (status: unknown) =>
        `ticket-status-${String(status)
          .toLowerCase()
          .replace(/[^a-z]+/g, '-')}`,
    );
    h.registerHelper('braces', (path: unknown) => `{{${String(path)}}}`);
    // Phone numbers: one format everywhere (see formatPhone), the E.164 form on hover.
    h.registerHelper('phone', function (this: unknown, value: unknown, options: Handlebars.HelperOptions) {
      if (typeof value !== 'string' || !value) return '';
      const { text, e164 } = formatPhone(value, (options.data?.root as { country?: string })?.country);
      const escape = Handlebars.Utils.escapeExpression;
      return new Handlebars.SafeString(`<span class="phone" title="${escape(e164)}">${escape(text)}</span>`);
    });
    h.registerHelper('humanize', (value: unknown) => String(value ?? '').replace(/_/g, ' '));
  }
}
