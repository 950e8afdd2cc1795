import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRoute } from '../sms';
import { consoleAsset } from './console-views';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** The console's stylesheet and scripts: a fixed set of files read once, so no path from a URL reaches the disk. */
@ApiExcludeController()
@PublicRoute()
@Controller('console/assets')
export class ConsoleAssetsController {
  private readonly files = new Map<string, Buffer>();

  constructor() {
    const dir = consoleAsset('public');
    for (const name of readdirSync(dir).filter((f) => TYPES[extname(f)]))
      this.files.set(name, readFileSync(join(dir, name)));
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response) {
    const body = this.files.get(file);
    if (!body) throw new NotFoundException('No such console asset');
    res.setHeader('Content-Type', TYPES[extname(file)]);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(body);
  }
}
