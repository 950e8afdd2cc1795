import { ConflictException, UnprocessableEntityException } from '@nestjs/common';
import { UpdateSmsNumberDto } from '../sms';
import { FormErrors, validated } from './console-form';
import { ticketFilter } from './tickets/console-ticket-list.service';

describe('form errors', () => {
  it("puts each of the API's problems at its field, named as the form names it", async () => {
    const refusal = await validated(UpdateSmsNumberDto, { claimTimeoutMinutes: 5000 }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(UnprocessableEntityException);
    const { errors, formErrors } = new FormErrors('Not saved:')
      .addRefusal(refusal as UnprocessableEntityException, (path) =>
        path === 'claimTimeoutMinutes' ? { id: 'claim', label: 'Claim timeout' } : null,
      )
      .view();
    expect(errors.claim).toBe('Claim timeout must not be greater than 1440');
    expect(formErrors.items).toEqual([
      { href: '#claim', label: 'Claim timeout', message: 'Claim timeout must not be greater than 1440' },
    ]);
  });

  it("shows a template problem's line and column at the template text, and a refusal without fields above the form", () => {
    const template = new UnprocessableEntityException({
      message: 'body: line 2, column 4: unclosed',
      problems: [{ line: 2, column: 4, message: 'Unclosed {{#if}}' }],
    });
    const view = new FormErrors('Not saved:')
      .addRefusal(template, (path) => (path === 'body' ? { id: 'text', label: 'Text' } : null))
      .addRefusal(new ConflictException('Someone else holds it'), () => null)
      .view();
    expect(view.errors).toEqual({ text: 'Line 2, column 4: Unclosed {{#if}}' });
    expect(view.formErrors.items[1]).toEqual({ href: null, label: null, message: 'Someone else holds it' });
  });
});

describe('tickets list filter', () => {
  it('reads the query string, ignoring what it does not know, and keeps pages and search within their budget', () => {
    const me = '2b1c8a36-6a5e-4c53-9b8e-0d3f2f7f1a11';
    expect(ticketFilter({ q: '  #42 ', status: ['Resolved', 'Bogus'], assignee: 'me', page: '3' }, me)).toEqual({
      q: '#42',
      statuses: ['Resolved'],
      assignee: me,
      page: 3,
    });
    const odd = ticketFilter({ q: 'x'.repeat(500), assignee: "1' OR 1=1", page: '-7' }, me);
    expect(odd).toMatchObject({ assignee: '', page: 1 });
    expect(odd.q).toHaveLength(100);
    expect(ticketFilter({ page: '99999999' }, me).page).toBe(400);
  });
});
