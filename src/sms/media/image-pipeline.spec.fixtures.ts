/** Images made on the spot for the ImagePipeline specs. */
import sharp from 'sharp';
import { ImagePipelineResult, ProcessedImage } from './image-pipeline';

export function solid(
  width: number,
  height: number,
  background: string | sharp.RGBA,
  channels: 3 | 4 = 3,
): sharp.Sharp {
  return sharp({ create: { width, height, channels, background } });
}

export function ok(result: ImagePipelineResult): ProcessedImage {
  if (!result.ok) throw new Error(`expected success, got ${result.rejection.reason}: ${result.rejection.detail}`);
  return result.image;
}

/** Deterministic noise that starts with no known magic number. */
export function noiseBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  let seed = 0x2545f491;
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  out[0] = 0x00;
  return out;
}
