import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '../core/api-docs';
import { AdminOnlyGuard, CurrentCaller, type SmsCaller, SmsCallerGuard } from '../auth/caller';
import { PreviewSmsTemplateDto, SaveSmsTemplateDto } from './sms-template.dto';
import { SmsTemplatesService } from './sms-templates.service';
import { TEMPLATE_HELPERS, TEMPLATE_VARIABLES } from './template-renderer';

@ApiTags('sms templates')
@ApiBearerAuth()
@UseGuards(AdminOnlyGuard)
@UseGuards(SmsCallerGuard)
@Controller('sms/templates')
export class SmsTemplatesController {
  constructor(private readonly templates: SmsTemplatesService) {}

  @Get()
  async list(@CurrentCaller() caller: SmsCaller) {
    return {
      templates: await this.templates.list(caller.accountId),
      variables: TEMPLATE_VARIABLES,
      helpers: TEMPLATE_HELPERS,
    };
  }

  @Put(':key')
  save(@CurrentCaller() caller: SmsCaller, @Param('key') key: string, @Body() body: SaveSmsTemplateDto) {
    return this.templates.save(caller.accountId, key, body.body, caller.userId);
  }

  @Delete(':key')
  revert(@CurrentCaller() caller: SmsCaller, @Param('key') key: string) {
    return this.templates.revert(caller.accountId, key);
  }

  @Post(':key/preview')
  @HttpCode(200)
  preview(@CurrentCaller() caller: SmsCaller, @Param('key') key: string, @Body() body: PreviewSmsTemplateDto) {
    return this.templates.preview(caller.accountId, key, body, caller.userId);
  }
}
