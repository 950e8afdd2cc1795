import { analyzeSms } from '../segments/segments';
import { defaultTemplate } from './default-templates';
import { TEMPLATE_KEYS, TemplateRenderer, TemplateVariables } from './template-renderer';
import { segmentWarning, textCost } from './text-cost';

const sut = new TemplateRenderer();

/** Values on the long side of typical: a longer business name, a five-digit ticket, a real host's portal link. */
const typical: TemplateVariables = {
  ...sut.exampleVariables(),
  account: { name: 'Riverside Computer Repair' },
  customer: { name: 'Alexandra Smith', firstName: 'Alexandra' },
  ticket: {
    number: 10423,
    subject: 'Laptop will not turn on after the update',
    problem: 'Since the update last night the laptop shows a black screen and the fan spins, then it turns off again.',
    status: 'New',
  },
  technician: { name: 'Tina Torres', firstName: 'Tina' },
  portalUrl: 'https://support.riverside-example.com/p/AbCdEfGhIjKlMnOp',
  message: 'The new part arrived. We will install it tomorrow at 10 AM.',
  businessHours: { nextOpening: '2027-01-18T09:00:00-05:00' },
  timezone: 'America/New_York',
};

describe('shipped SMS templates', () => {
  it.each(TEMPLATE_KEYS)('%s fits one GSM-7 segment with typical values', (key) => {
    const text = sut.render(defaultTemplate(key), typical);
    const analysis = analyzeSms(text, { smartEncoding: true });
    expect({ key, text, encoding: analysis.encoding, segments: analysis.segments }).toEqual({
      key,
      text,
      encoding: 'GSM-7',
      segments: 1,
    });
  });

  it('initial_problem keeps the request number, the way to answer and the portal link', () => {
    const text = sut.render(defaultTemplate('initial_problem'), typical);
    expect(text).toContain('#10423');
    expect(text).toContain('Reply with details or photos.');
    expect(text).toContain(typical.portalUrl);
  });
});

describe('segment warning', () => {
  const settings = { smartEncoding: true, splitMode: 'split' as const };

  it('says nothing of a one-segment text', () => {
    expect(segmentWarning(textCost('Hi Sam, your laptop is ready.', settings))).toBeNull();
  });

  it('names the segments and credits of a longer text', () => {
    const warning = segmentWarning(textCost('word '.repeat(40), settings));
    expect(warning).toMatch(/needs 2 SMS segments \(2 credits per text\)/);
  });

  it('explains a text that leaves GSM-7', () => {
    expect(segmentWarning(textCost(`Your laptop is ready 😀 ${'x'.repeat(60)}`, settings))).toMatch(/70 characters/);
  });
});
