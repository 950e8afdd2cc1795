import sharp from 'sharp';
import { DecodeBudget, ImagePipeline } from './image-pipeline';
import { noiseBytes, solid } from './image-pipeline.spec.fixtures';

describe('ImagePipeline limits', () => {
  const sut = new ImagePipeline();

  describe('too many pixels', () => {
    let bomb: Buffer;

    beforeAll(async () => {
      // 400 megapixels of one grey compress to ~420 KB; libvips builds it strip by strip, never all at once.
      bomb = await sharp({
        create: { width: 20_000, height: 20_000, channels: 3, background: '#808080' },
        limitInputPixels: false,
      })
        .toColourspace('b-w')
        .png({ compressionLevel: 9 })
        .toBuffer();
    }, 60_000);

    it('rejects a 20 000 × 20 000 PNG, naming the size, without decoding it', async () => {
      expect(bomb.length).toBeLessThan(1_000_000);
      const result = await sut.process(bomb);
      expect(result).toEqual({
        ok: false,
        rejection: {
          reason: 'too_many_pixels',
          detail:
            'the picture is 20000 × 20000 pixels (400 megapixels), more than the 26.8 megapixel limit for PNG pictures',
        },
      });
    });
  });

  it('applies a custom pixel limit', async () => {
    const result = await new ImagePipeline({ maxInputPixels: 2_500_000 }).process(
      await solid(2000, 1500, 'white').jpeg().toBuffer(),
    );
    expect(result).toEqual({
      ok: false,
      rejection: {
        reason: 'too_many_pixels',
        detail: 'the picture is 2000 × 1500 pixels (3 megapixels), more than the 2.5 megapixel limit',
      },
    });
  });

  it.each<[string, Buffer, string, RegExp]>([
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'), 'not_an_image', /PDF document/],
    [
      'a vCard',
      Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nTEL:+15551234567\r\nEND:VCARD\r\n'),
      'not_an_image',
      /contact card/,
    ],
    ['a SMIL part', Buffer.from('<smil><body><par><img src="a.jpg"/></par></body></smil>'), 'not_an_image', /SMIL/],
    ['random bytes', noiseBytes(4096), 'not_an_image', /not a picture we recognise; we accept JPEG, PNG, GIF or WebP/],
    ['an empty file', Buffer.alloc(0), 'not_an_image', /not a picture/],
    [
      'a HEIC photo',
      Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), noiseBytes(256)]),
      'unsupported_type',
      /HEIC.*JPEG/,
    ],
    [
      'JPEG magic followed by garbage',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noiseBytes(2048)]),
      'corrupt',
      /could not be read/,
    ],
  ])('rejects %s', async (_name, bytes, reason, detail) => {
    const result = await sut.process(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.reason).toBe(reason);
    expect(result.rejection.detail).toMatch(detail);
  });

  it('rejects an AVIF (sharp could read it, but it is not on the accepted list)', async () => {
    const result = await sut.process(await solid(32, 32, 'red').avif().toBuffer());
    expect(result).toMatchObject({
      ok: false,
      rejection: { reason: 'unsupported_type', detail: expect.stringMatching(/AVIF/) },
    });
  });

  it('rejects a truncated JPEG as corrupt even though its header reads fine', async () => {
    const full = await sharp({
      create: {
        width: 800,
        height: 600,
        channels: 3,
        background: 'grey',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    const truncated = full.subarray(0, Math.floor(full.length * 0.6));
    expect((await sharp(truncated).metadata()).width).toBe(800);
    const result = await sut.process(truncated);
    expect(result).toMatchObject({ ok: false, rejection: { reason: 'corrupt' } });
  });

  it('rejects nonsense options', () => {
    expect(() => new ImagePipeline({ maxInputPixels: 0 })).toThrow(RangeError);
    expect(() => new ImagePipeline({ thumbnailSize: 1.5 })).toThrow(RangeError);
  });

  describe('budgets', () => {
    const plain = (width: number, height: number, format: 'gif' | 'png' | 'jpeg') =>
      sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
        [format]()
        .toBuffer();

    it('refuses a 6300 × 6300 single-colour GIF unread: GIF encoding needs more memory than the budget holds', async () => {
      const gif = await plain(6300, 6300, 'gif');
      expect(gif.length).toBeLessThan(100_000);

      const result = await sut.process(gif);

      expect(result).toEqual({
        ok: false,
        rejection: {
          reason: 'too_many_pixels',
          detail:
            'the picture is 6300 × 6300 pixels (39.7 megapixels), more than the 6.7 megapixel limit for GIF pictures',
        },
      });
    });

    it('takes the same pixels as JPEG, whose encoder streams', async () => {
      const result = await new ImagePipeline({ maxInputPixels: 40_000_000 }).process(await plain(4000, 3000, 'jpeg'));

      expect(result.ok).toBe(true);
    });

    it('rejects an item over what is left of its message, without decoding it', async () => {
      const result = await sut.process(await plain(400, 300, 'png'), 100_000);

      expect(result).toMatchObject({
        ok: false,
        rejection: {
          reason: 'too_many_pixels',
          detail: expect.stringMatching(/^the pictures of this message together are more than/),
        },
      });
    });

    it('runs images one at a time when their memory would not fit the process budget together', async () => {
      // Room for one 200 × 200 PNG (5 bytes a pixel) at a time.
      const budget = new DecodeBudget(200 * 200 * 5);
      const pipeline = new ImagePipeline({ decodeBudget: budget });
      const png = await plain(200, 200, 'png');
      let running = 0;
      let most = 0;
      const spy = async <T>(bytes: number, work: () => Promise<T>): Promise<T> =>
        DecodeBudget.prototype.run.call(budget, bytes, async () => {
          most = Math.max(most, ++running);
          try {
            return await work();
          } finally {
            running--;
          }
        }) as Promise<T>;
      budget.run = spy;

      const results = await Promise.all([1, 2, 3].map(() => pipeline.process(png)));

      expect(results.every((r) => r.ok)).toBe(true);
      expect(most).toBe(1);
    });
  });
});
