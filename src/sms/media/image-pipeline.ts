import type sharp from 'sharp';

let loaded: Promise<typeof sharp> | null = null;

/**
 * sharp and libvips, loaded with the first image: about 20 MB resident that an `api` process, or a worker that has
 * not seen an MMS yet, does not carry. Its limits are set once, here.
 */
function loadSharp(): Promise<typeof sharp> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    // Each image is seen once, so libvips' operation cache would only hold memory.
    sharp.cache(false);
    // One libvips thread per image: decoded pixels are what costs memory, and DecodeBudget decides how many are in flight.
    sharp.concurrency(1);
    return sharp;
  });
  return loaded;
}

/**
 * Memory decoders and encoders hold in this process: an image waits here until its share fits, so hostile media
 * queues instead of adding up. Shares never exceed the capacity (the pipeline rejects larger images first).
 */
export class DecodeBudget {
  private inFlight = 0;
  private readonly waiting: Array<{ bytes: number; start: () => void }> = [];

  constructor(readonly capacityBytes: number) {}

  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    const wanted = Math.min(bytes, this.capacityBytes);
    if (this.waiting.length > 0 || this.inFlight + wanted > this.capacityBytes) {
      await new Promise<void>((start) => this.waiting.push({ bytes: wanted, start }));
    } else {
      this.inFlight += wanted;
    }
    try {
      return await work();
    } finally {
      this.inFlight -= wanted;
      this.startWaiting();
    }
  }

  /** First come, first served: a large image is not overtaken forever by small ones. */
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.inFlight + this.waiting[0].bytes <= this.capacityBytes) {
      const next = this.waiting.shift()!;
      this.inFlight += next.bytes;
      next.start();
    }
  }
}

export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export type AcceptedImageType = (typeof ACCEPTED_IMAGE_TYPES)[number];

export interface ImagePipelineOptions {
  /** Largest width × height (of one frame) we decode; default 40_000_000. */
  maxInputPixels: number;
  /** Decoder and encoder memory in flight across the process (every pipeline sharing it); default PROCESS_DECODE_BUDGET. */
  decodeBudget: DecodeBudget;
  /** Long edge of the thumbnail in pixels; default 320. */
  thumbnailSize: number;
}

export interface ProcessedImage {
  contentType: AcceptedImageType;
  /** Same format as the input, auto-oriented, all metadata stripped, colours converted to sRGB. */
  original: Buffer;
  /** Of the original as stored (after orientation); for an animation, of one frame. */
  width: number;
  height: number;
  /** First frame, long edge <= thumbnailSize, never enlarged. */
  thumbnail: Buffer;
  thumbnailContentType: 'image/jpeg' | 'image/png';
}

/** Decoded pixels all the pictures of one MMS may take: ten 12-megapixel phone photos. */
export const MESSAGE_PIXEL_BUDGET = 120_000_000;

export type ImageRejectionReason = 'not_an_image' | 'unsupported_type' | 'too_many_pixels' | 'corrupt';
export type ImageRejection = { reason: ImageRejectionReason; detail: string };
export type ImagePipelineResult = { ok: true; image: ProcessedImage } | { ok: false; rejection: ImageRejection };

/**
 * One budget for the process: every pipeline created without its own shares it. A worker idles at about 150 MB;
 * what the allocator keeps of freed decoder memory comes on top (see docs/budgets.md: run workers with jemalloc
 * or MALLOC_ARENA_MAX=2).
 */
export const PROCESS_DECODE_BUDGET = new DecodeBudget(128 * 1024 * 1024);

/**
 * Peak memory per decoded pixel while an image's original is re-encoded and then its thumbnail made, as measured
 * with sharp 0.34 / libvips 8.17 on 40-megapixel inputs: GIF and WebP encoders keep several full copies (palette
 * search, frame buffers), JPEG streams. An image whose pixels × this exceed the whole budget is refused unread.
 */
export const DECODE_BYTES_PER_PIXEL: Readonly<Record<AcceptedImageType, number>> = {
  'image/jpeg': 2,
  'image/png': 5,
  'image/webp': 14,
  'image/gif': 20,
};

export const IMAGE_PIPELINE_DEFAULTS: Readonly<ImagePipelineOptions> = {
  maxInputPixels: 40_000_000,
  thumbnailSize: 320,
  decodeBudget: PROCESS_DECODE_BUDGET,
};

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1']);

function startsWith(bytes: Buffer, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('latin1', start, end);
}

/** ISO base media files (HEIC, AVIF, MP4, 3GP, MOV) share the 'ftyp' box; the brands tell them apart. */
function sniffIsoBmff(bytes: Buffer): string {
  const boxSize = bytes.readUInt32BE(0);
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16, 256);
  const major = ascii(bytes, 8, 12);
  const brands = [major];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(bytes, i, i + 4));
  // The major brand decides first: an AVIF file also lists 'mif1', an iPhone HEIC may list 'mif1' first.
  for (const brand of brands) {
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
    if (AVIF_BRANDS.has(brand)) return 'image/avif';
  }
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'image/heif';
  if (major.startsWith('3gp') || major.startsWith('3g2')) return 'video/3gpp';
  if (major === 'qt  ') return 'video/quicktime';
  return 'video/mp4';
}

const SMIL_START = /^(?:<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<smil[\s>/]/i;

/** Detects the type from the bytes (magic numbers), never from a declared header. */
export function sniffContentType(bytes: Buffer): string | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'image/gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') return sniffIsoBmff(bytes);
  if (bytes.length >= 5 && ascii(bytes, 0, 5) === '%PDF-') return 'application/pdf';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  // Text formats: skip a UTF-8 byte order mark and leading blank lines some phones add.
  const bom = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const head = ascii(bytes, bom, Math.min(bytes.length, bom + 1024)).trimStart();
  if (/^BEGIN:VCARD/i.test(head)) return 'text/vcard';
  if (SMIL_START.test(head)) return 'application/smil+xml';
  return null;
}

function isAccepted(type: string | null): type is AcceptedImageType {
  return (ACCEPTED_IMAGE_TYPES as readonly string[]).includes(type ?? '');
}

const ACCEPTED_NAMES = 'JPEG, PNG, GIF or WebP';

function rejectType(type: string | null): ImageRejection {
  switch (type) {
    case 'image/heic':
    case 'image/heif':
      return {
        reason: 'unsupported_type',
        detail:
          'the picture is in HEIC format (the iPhone camera default), which we cannot open; please send it as JPEG ' +
          '(on iPhone: Settings › Camera › Formats › Most Compatible)',
      };
    case 'image/avif':
      return {
        reason: 'unsupported_type',
        detail: `the picture is in AVIF format, which we cannot open; please send it as ${ACCEPTED_NAMES}`,
      };
    case 'image/tiff':
      return {
        reason: 'unsupported_type',
        detail: `the picture is in TIFF format, which we cannot open; please send it as ${ACCEPTED_NAMES}`,
      };
    case 'application/pdf':
      return { reason: 'not_an_image', detail: 'the file is a PDF document, not a picture' };
    case 'text/vcard':
      return { reason: 'not_an_image', detail: 'the file is a contact card (vCard), not a picture' };
    case 'application/smil+xml':
      return {
        reason: 'not_an_image',
        detail: 'the file is the layout part of a picture message (SMIL), not a picture',
      };
    case 'video/mp4':
    case 'video/3gpp':
    case 'video/quicktime':
      return { reason: 'not_an_image', detail: 'the file is a video, not a picture' };
    default:
      return { reason: 'not_an_image', detail: `the file is not a picture we recognise; we accept ${ACCEPTED_NAMES}` };
  }
}

function megapixels(pixels: number): string {
  return String(Math.round(pixels / 100_000) / 10);
}

function tooManyPixels(
  width: number,
  height: number,
  frames: number,
  limit: number,
  format: AcceptedImageType | null,
): ImageRejection {
  const size = `${width} × ${height} pixels`;
  const what = frames > 1 ? `each frame of the animation is ${size}` : `the picture is ${size}`;
  const forFormat = format ? ` for ${SHARP_FORMAT[format].toUpperCase()} pictures` : '';
  return {
    reason: 'too_many_pixels',
    detail: `${what} (${megapixels(width * height)} megapixels), more than the ${megapixels(limit)} megapixel limit${forFormat}`,
  };
}

const CORRUPT: ImageRejection = {
  reason: 'corrupt',
  detail: 'the picture could not be read; the file may be damaged or only partly sent',
};

const SHARP_FORMAT: Record<AcceptedImageType, keyof sharp.FormatEnum> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

/**
 * Turns untrusted MMS bytes into a clean original and a thumbnail.
 * GIF and animated WebP keep their animation in the original when all frames together fit in maxInputPixels,
 * otherwise only the first frame is kept; the thumbnail is always the first frame.
 */
export class ImagePipeline {
  private readonly options: ImagePipelineOptions;

  constructor(options: Partial<ImagePipelineOptions> = {}) {
    const merged = { ...IMAGE_PIPELINE_DEFAULTS, ...options };
    this.options = {
      maxInputPixels: positiveInteger('maxInputPixels', merged.maxInputPixels),
      thumbnailSize: positiveInteger('thumbnailSize', merged.thumbnailSize),
      decodeBudget: merged.decodeBudget,
    };
  }

  /**
   * `allowance`: pixels the rest of its message may still use (the per-message budget); an image over it is
   * rejected without being decoded.
   */
  async process(bytes: Buffer, allowance = Number.POSITIVE_INFINITY): Promise<ImagePipelineResult> {
    const contentType = sniffContentType(bytes);
    if (!isAccepted(contentType)) return { ok: false, rejection: rejectType(contentType) };
    const { maxInputPixels, thumbnailSize } = this.options;
    const sharp = await loadSharp();

    let metadata: sharp.Metadata;
    try {
      // Header only, nothing is decoded; the limit is lifted here so we can name the size in the rejection.
      metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch {
      return { ok: false, rejection: CORRUPT };
    }
    if (metadata.format !== SHARP_FORMAT[contentType]) return { ok: false, rejection: CORRUPT };

    const frames = metadata.pages ?? 1;
    const framePixels = metadata.width * metadata.height;
    // Per item: the configured limit, or less for formats whose encoders need more memory than the budget holds.
    const itemLimit = Math.min(
      maxInputPixels,
      Math.floor(this.options.decodeBudget.capacityBytes / DECODE_BYTES_PER_PIXEL[contentType]),
    );
    if (framePixels > itemLimit) {
      return {
        ok: false,
        rejection: tooManyPixels(
          metadata.width,
          metadata.height,
          frames,
          itemLimit,
          itemLimit < maxInputPixels ? contentType : null,
        ),
      };
    }
    // libvips counts an animation as one tall strip, so the whole strip must fit the same budget.
    const animated = frames > 1 && framePixels * frames <= itemLimit;
    const decoded = animated ? framePixels * frames : framePixels;
    if (decoded > allowance) {
      return {
        ok: false,
        rejection: {
          reason: 'too_many_pixels',
          detail: `the pictures of this message together are more than the ${megapixels(MESSAGE_PIXEL_BUDGET)} megapixel limit; this one (${megapixels(decoded)} megapixels) was left out`,
        },
      };
    }
    // limitInputPixels is the real bomb guard; failOn 'error' rejects truncation but not the warnings phone JPEGs raise.
    const input: sharp.SharpOptions = { limitInputPixels: itemLimit, failOn: 'error' };

    try {
      // One after the other, so one image holds one decoded copy at a time, and only once the process budget has room.
      const { original, thumbnail } = await this.options.decodeBudget.run(
        decoded * DECODE_BYTES_PER_PIXEL[contentType],
        async () => {
          const original = await this.encodeOriginal(sharp(bytes, { ...input, animated }), contentType, animated);
          const thumbnail = await this.encodeThumbnail(sharp(bytes, input), metadata.hasAlpha, thumbnailSize);
          return { original, thumbnail };
        },
      );
      return {
        ok: true,
        image: {
          contentType,
          original: original.data,
          width: original.info.width,
          height: animated ? (original.info.pageHeight ?? original.info.height) : original.info.height,
          thumbnail: thumbnail.data,
          thumbnailContentType: metadata.hasAlpha ? 'image/png' : 'image/jpeg',
        },
      };
    } catch (error) {
      if (error instanceof Error && /pixel limit/i.test(error.message)) {
        return { ok: false, rejection: tooManyPixels(metadata.width, metadata.height, frames, itemLimit, null) };
      }
      return { ok: false, rejection: CORRUPT };
    }
  }

  private encodeOriginal(image: sharp.Sharp, type: AcceptedImageType, animated: boolean) {
    // Animations carry no EXIF orientation and libvips cannot rotate a multi-frame strip as a whole.
    const oriented = animated ? image : image.rotate();
    // No withMetadata/keepExif/keepIccProfile: sharp then drops EXIF, XMP, IPTC and ICC and converts to sRGB.
    switch (type) {
      case 'image/jpeg':
        // No optimised Huffman tables: they need the whole image's coefficients in memory (a 12 MP photo: about 110 MB
        // and 0.8 s, against 45 MB and 0.5 s) for a file only about 5 % smaller.
        return oriented.jpeg({ quality: 90, optimiseCoding: false }).toBuffer({ resolveWithObject: true });
      case 'image/png':
        return oriented.png().toBuffer({ resolveWithObject: true });
      case 'image/gif':
        return oriented.gif().toBuffer({ resolveWithObject: true });
      case 'image/webp':
        return oriented.webp({ quality: 90 }).toBuffer({ resolveWithObject: true });
    }
  }

  private encodeThumbnail(image: sharp.Sharp, hasAlpha: boolean, size: number) {
    // Resizing straight from the input lets JPEG shrink-on-load decode at 1/2–1/8 scale.
    const resized = image.rotate().resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
    return (hasAlpha ? resized.png() : resized.jpeg({ quality: 80 })).toBuffer({ resolveWithObject: true });
  }
}
