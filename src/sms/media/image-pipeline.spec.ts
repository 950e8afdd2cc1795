import sharp from 'sharp';
import { ImagePipeline, ProcessedImage, sniffContentType } from './image-pipeline';
import { noiseBytes, ok, solid } from './image-pipeline.spec.fixtures';

const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2982/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 17/1 4021/100',
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Customer Name</dc:creator></rdf:Description>' +
  '</rdf:RDF></x:xmpmeta>';

/** Average colour of a small square, read back from encoded bytes. */
async function colourAt(bytes: Buffer, left: number, top: number): Promise<{ r: number; g: number; b: number }> {
  const { data } = await sharp(bytes)
    .extract({ left, top, width: 8, height: 8 })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  const n = data.length / 3;
  return { r: sum[0] / n, g: sum[1] / n, b: sum[2] / n };
}

async function expectNoMetadata(bytes: Buffer): Promise<void> {
  const meta = await sharp(bytes).metadata();
  expect(meta.exif).toBeUndefined();
  expect(meta.orientation).toBeUndefined();
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  expect(meta.icc).toBeUndefined();
  expect(meta.hasProfile).toBe(false);
}

async function animatedGif(frameWidth: number, frameHeight: number, colours: string[]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((c) => solid(frameWidth, frameHeight, c, 4).raw().toBuffer()));
  return sharp(Buffer.concat(frames), {
    raw: { width: frameWidth, height: frameHeight * colours.length, channels: 4, pageHeight: frameHeight },
  })
    .gif({ delay: colours.map(() => 100), loop: 0 })
    .toBuffer();
}

describe('sniffContentType', () => {
  const ftyp = (major: string, ...compatible: string[]) => {
    const brands = [major, '\0\0\0\0', ...compatible].join('');
    const box = Buffer.alloc(8 + brands.length);
    box.writeUInt32BE(box.length, 0);
    box.write('ftyp', 4, 'latin1');
    box.write(brands, 8, 'latin1');
    return box;
  };

  it.each<[string, Buffer, string | null]>([
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]), 'image/jpeg'],
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'image/png'],
    ['GIF87a', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['GIF89a', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['WebP', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), 'image/webp'],
    ['RIFF that is not WebP (WAV)', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), null],
    ['PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), 'application/pdf'],
    ['HEIC (iPhone)', ftyp('heic', 'mif1', 'miaf', 'MiHB', 'heic'), 'image/heic'],
    ['HEIC listing mif1 first', ftyp('mif1', 'mif1', 'heic'), 'image/heic'],
    ['HEIF without a HEVC brand', ftyp('mif1', 'mif1'), 'image/heif'],
    ['AVIF', ftyp('avif', 'avif', 'mif1', 'miaf'), 'image/avif'],
    ['MP4', ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'video/mp4'],
    ['3GP', ftyp('3gp4', 'isom', '3gp4'), 'video/3gpp'],
    ['QuickTime', ftyp('qt  ', 'qt  '), 'video/quicktime'],
    ['TIFF', Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), 'image/tiff'],
    ['vCard', Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane\r\nEND:VCARD\r\n'), 'text/vcard'],
    ['vCard with BOM and blank line', Buffer.from('\ufeff\r\nbegin:vcard\r\nVERSION:2.1\r\n'), 'text/vcard'],
    ['SMIL', Buffer.from('<smil><head><layout/></head><body/></smil>'), 'application/smil+xml'],
    [
      'SMIL with XML declaration and doctype',
      Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN">\n<smil xmlns="x">'),
      'application/smil+xml',
    ],
    ['SVG (not accepted, not recognised)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), null],
    ['plain text', Buffer.from('hello, my sink is broken'), null],
    ['random bytes', noiseBytes(64), null],
    ['empty', Buffer.alloc(0), null],
    ['two bytes of JPEG', Buffer.from([0xff, 0xd8]), null],
  ])('%s', (_name, bytes, expected) => {
    expect(sniffContentType(bytes)).toBe(expected);
  });

  it('recognises real files sharp writes, whatever a header might claim', async () => {
    const base = () => solid(16, 16, 'orange');
    expect(sniffContentType(await base().jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffContentType(await base().png().toBuffer())).toBe('image/png');
    expect(sniffContentType(await base().gif().toBuffer())).toBe('image/gif');
    expect(sniffContentType(await base().webp().toBuffer())).toBe('image/webp');
    expect(sniffContentType(await base().avif().toBuffer())).toBe('image/avif');
  });
});

describe('ImagePipeline', () => {
  const sut = new ImagePipeline();

  describe('a phone photo (JPEG, EXIF orientation 6, GPS, XMP, Display P3 profile)', () => {
    let input: Buffer;
    let image: ProcessedImage;

    beforeAll(async () => {
      // Stored sideways, 800 × 400: left half red, right half blue. Orientation 6 means "turn 90° clockwise to view".
      const blue = await solid(400, 400, 'blue').png().toBuffer();
      const raw = await solid(800, 400, 'red')
        .composite([{ input: blue, left: 400, top: 0 }])
        .png()
        .toBuffer();
      input = await sharp(raw)
        .jpeg({ quality: 90 })
        .withMetadata({ orientation: 6 })
        .withExifMerge({ IFD0: { Make: 'PhoneCo', Model: 'Snapper 12' }, IFD3: GPS })
        .withIccProfile('p3')
        .withXmp(XMP)
        .toBuffer();
      image = ok(await sut.process(input));
    });

    it('starts out carrying everything we must strip', async () => {
      const meta = await sharp(input).metadata();
      expect(meta.orientation).toBe(6);
      expect(meta.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // GPS IFD pointer tag 0x8825, little-endian
      expect(meta.xmp).toBeDefined();
      expect(meta.hasProfile).toBe(true);
    });

    it('is stored upright as a JPEG with width and height swapped', async () => {
      expect(image.contentType).toBe('image/jpeg');
      expect(sniffContentType(image.original)).toBe('image/jpeg');
      expect([image.width, image.height]).toEqual([400, 800]);
      const meta = await sharp(image.original).metadata();
      expect([meta.width, meta.height]).toEqual([400, 800]);
      // Turned clockwise, the left (red) half ends up on top.
      const top = await colourAt(image.original, 196, 100);
      const bottom = await colourAt(image.original, 196, 700);
      expect(top.r).toBeGreaterThan(200);
      expect(top.b).toBeLessThan(60);
      expect(bottom.b).toBeGreaterThan(200);
      expect(bottom.r).toBeLessThan(60);
    });

    it('keeps no EXIF (orientation, GPS), XMP, IPTC or ICC profile in the original or the thumbnail', async () => {
      await expectNoMetadata(image.original);
      await expectNoMetadata(image.thumbnail);
      expect(image.original.includes(Buffer.from('Customer Name'))).toBe(false);
      expect(image.original.includes(Buffer.from('PhoneCo'))).toBe(false);
      expect((await sharp(image.original).metadata()).space).toBe('srgb');
    });

    it('makes an upright JPEG thumbnail with a 320 pixel long edge', async () => {
      expect(image.thumbnailContentType).toBe('image/jpeg');
      const meta = await sharp(image.thumbnail).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([160, 320]);
      expect((await colourAt(image.thumbnail, 76, 40)).r).toBeGreaterThan(200);
    });
  });

  it('makes a PNG thumbnail for a PNG with transparency and keeps the alpha channel', async () => {
    const input = await solid(1000, 500, { r: 0, g: 128, b: 0, alpha: 0.5 }, 4).png().toBuffer();
    const image = ok(await sut.process(input));
    expect(image.contentType).toBe('image/png');
    expect(image.thumbnailContentType).toBe('image/png');
    const thumb = await sharp(image.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height, thumb.hasAlpha]).toEqual(['png', 320, 160, true]);
    const original = await sharp(image.original).metadata();
    expect([original.format, original.width, original.height, original.hasAlpha]).toEqual(['png', 1000, 500, true]);
  });

  it('never enlarges a small picture for its thumbnail', async () => {
    const image = ok(await sut.process(await solid(120, 90, 'teal').jpeg().toBuffer()));
    const thumb = await sharp(image.thumbnail).metadata();
    expect([thumb.width, thumb.height]).toEqual([120, 90]);
  });

  it('honours a custom thumbnail size', async () => {
    const image = ok(
      await new ImagePipeline({ thumbnailSize: 100 }).process(await solid(300, 600, 'navy').png().toBuffer()),
    );
    const thumb = await sharp(image.thumbnail).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 50, 100]);
  });

  it('accepts WebP and keeps it WebP', async () => {
    const image = ok(await sut.process(await solid(640, 480, 'purple').webp().toBuffer()));
    expect(image.contentType).toBe('image/webp');
    expect(sniffContentType(image.original)).toBe('image/webp');
    expect([image.width, image.height]).toEqual([640, 480]);
    expect(image.thumbnailContentType).toBe('image/jpeg');
    expect((await sharp(image.thumbnail).metadata()).width).toBe(320);
  });

  it('accepts an animated GIF: the original keeps every frame, the thumbnail is the first frame', async () => {
    const input = await animatedGif(60, 40, ['red', 'lime', 'blue']);
    const image = ok(await sut.process(input));
    expect(image.contentType).toBe('image/gif');
    expect([image.width, image.height]).toEqual([60, 40]);
    const original = await sharp(image.original).metadata();
    expect([original.format, original.pages]).toEqual(['gif', 3]);
    expect(image.thumbnailContentType).toBe('image/png'); // GIF frames carry transparency
    const thumb = await sharp(image.thumbnail).metadata();
    expect([thumb.width, thumb.height, thumb.pages]).toEqual([60, 40, undefined]);
    expect((await colourAt(image.thumbnail, 20, 10)).r).toBeGreaterThan(200);
  });

  it('keeps only the first frame of an animation too big to decode whole', async () => {
    const input = await animatedGif(60, 40, ['red', 'lime', 'blue']); // 2 400 pixels a frame, 7 200 in all
    const image = ok(await new ImagePipeline({ maxInputPixels: 5_000 }).process(input));
    const original = await sharp(image.original).metadata();
    expect([original.format, original.width, original.height, original.pages]).toEqual(['gif', 60, 40, 1]);
  });
});
