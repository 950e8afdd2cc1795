import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Account } from '../accounts/account.entity';
import { Customer } from './customer.entity';
import { CustomerPhone } from './customer-phone.entity';
import { CreateCustomerDto } from './customers.dto';
import { toE164 } from './phone-number';

@Injectable()
export class CustomersService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
  ) {}

  async create(accountId: string, input: CreateCustomerDto): Promise<Customer> {
    const account = await this.dataSource.getRepository(Account).findOneByOrFail({ id: accountId });
    // Every phone is parsed before anything is written, so one bad number changes nothing.
    const phones = input.phones.map((p) => ({ number: toE164(p.number, account.defaultCountry), type: p.type }));
    if (new Set(phones.map((p) => p.number)).size !== phones.length)
      throw new UnprocessableEntityException('The same phone number is listed twice');
    return this.dataSource.transaction(async (tx) => {
      const customer = await tx
        .getRepository(Customer)
        .save(
          tx
            .getRepository(Customer)
            .create({ accountId, name: input.name, email: input.email ?? null, smsEnabled: input.smsEnabled ?? true }),
        );
      customer.phones = await tx
        .getRepository(CustomerPhone)
        .save(phones.map((p) => tx.getRepository(CustomerPhone).create({ ...p, accountId, customerId: customer.id })));
      return customer;
    });
  }

  async get(accountId: string, id: string): Promise<Customer> {
    const found = await this.customers.findOne({ where: { accountId, id }, relations: { phones: true } });
    if (!found) throw new NotFoundException('No such customer in this account');
    return found;
  }
}
