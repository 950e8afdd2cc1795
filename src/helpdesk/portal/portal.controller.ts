import {
  Controller,
  Get,
  Header,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute } from '../../sms';
import { AttachmentFiles } from '../attachments/attachment-files';
import { renderPortalNotFound, renderPortalPage } from './portal-page';
import { PortalService } from './portal.service';

/**
 * The link texted to customers, short enough to leave room in one SMS: `/p/<token>` leads to the ticket's page. The
 * page itself checks the token (and counts unknown ones against the address), so this only redirects.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('p')
export class ShortPortalController {
  @Get(':token')
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('X-Robots-Tag', 'noindex')
  go(@Param('token') token: string, @Res() res: Response): void {
    res.redirect(302, `/portal/tickets/${encodeURIComponent(token)}`);
  }
}

/** The customer's page for one ticket. The unguessable token in the link is the only key; no sign-in. */
@ApiExcludeController()
@PublicRoute()
@Controller('portal/tickets')
export class PortalController {
  constructor(
    private readonly portal: PortalService,
    private readonly files: AttachmentFiles,
  ) {}

  @Get(':token')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  // The token is in the URL: no referrer leaves the page, no script runs on it, search engines keep out.
  @Header('Referrer-Policy', 'no-referrer')
  @Header('X-Robots-Tag', 'noindex')
  @Header(
    'Content-Security-Policy',
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  )
  async page(
    @Param('token') token: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    try {
      return renderPortalPage(await this.portal.view(token, clientAddress(req)), token);
    } catch (e) {
      if (!(e instanceof NotFoundException)) throw e;
      res.status(404);
      return renderPortalNotFound();
    }
  }

  @Get(':token/attachments/:id')
  async original(
    @Param('token') token: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    res.setHeader('Referrer-Policy', 'no-referrer');
    return this.files.stream(await this.portal.attachment(token, id, clientAddress(req)), 'original', res);
  }

  @Get(':token/attachments/:id/thumbnail')
  async thumbnail(
    @Param('token') token: string,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    res.setHeader('Referrer-Policy', 'no-referrer');
    return this.files.stream(await this.portal.attachment(token, id, clientAddress(req)), 'thumbnail', res);
  }
}

/** The client's address as the configured proxies (TRUST_PROXY) report it. */
function clientAddress(req: Request): string {
  return req.ip ?? 'unknown';
}
