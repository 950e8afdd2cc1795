import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SmsCaller } from '../../sms';
import { CurrentUser } from '../auth/current-user';
import { CreateCustomerDto, toCustomerResponse } from './customers.dto';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  async create(@CurrentUser() caller: SmsCaller, @Body() body: CreateCustomerDto) {
    return toCustomerResponse(await this.customers.create(caller.accountId, body));
  }

  @Get(':id')
  async get(@CurrentUser() caller: SmsCaller, @Param('id', ParseUUIDPipe) id: string) {
    return toCustomerResponse(await this.customers.get(caller.accountId, id));
  }
}
