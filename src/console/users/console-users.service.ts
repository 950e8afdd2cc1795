import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TeamsService } from '../../helpdesk/teams/teams.service';
import { User } from '../../helpdesk/users/user.entity';
import { ConsoleAuthService } from '../auth/console-auth.service';

/** The account's people as the console shows them: role, teams and whether they can sign in to the console. */
@Injectable()
export class ConsoleUsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly teams: TeamsService,
    private readonly auth: ConsoleAuthService,
  ) {}

  async list(accountId: string) {
    const users = await this.users.find({ where: { accountId }, order: { name: 'ASC' } });
    const teams = await this.teams.list(accountId);
    const withPassword = await this.auth.withPassword(accountId);
    return users.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      teams: teams.filter((t) => t.memberIds.includes(u.id)).map((t) => t.name),
      teamIds: teams.filter((t) => t.memberIds.includes(u.id)).map((t) => t.id),
      consoleAccess: withPassword.has(u.id),
      active: u.deactivatedAt === null,
    }));
  }
}
