import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { newApiToken } from '../auth/tokens';
import { Team } from '../teams/team.entity';
import { TeamMember } from '../teams/team-member.entity';
import { User } from './user.entity';
import { CreateUserDto } from './users.dto';

@Injectable()
export class UsersService {
  constructor(private readonly dataSource: DataSource) {}

  create(accountId: string, input: CreateUserDto): Promise<{ id: string; token: string }> {
    return this.dataSource.transaction(async (tx) => {
      const email = input.email.trim().toLowerCase();
      if (await tx.getRepository(User).exists({ where: { accountId, email } })) {
        throw new ConflictException(`A user with email ${email} already exists in this account`);
      }
      const teamIds = [...new Set(input.teamIds ?? [])];
      const teams = teamIds.length ? await tx.getRepository(Team).find({ where: { accountId, id: In(teamIds) } }) : [];
      if (teams.length !== teamIds.length) throw new NotFoundException('One of teamIds is not a team of this account');
      const { token, hash } = newApiToken();
      const user = await tx
        .getRepository(User)
        .save(tx.getRepository(User).create({ accountId, name: input.name, email, role: input.role, tokenHash: hash }));
      if (teams.length)
        await tx.getRepository(TeamMember).insert(teams.map((t) => ({ teamId: t.id, userId: user.id, accountId })));
      return { id: user.id, token };
    });
  }
}
