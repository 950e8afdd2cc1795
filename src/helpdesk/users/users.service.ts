import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { AvailabilityService } from '../../sms';
import { newApiToken } from '../auth/tokens';
import { Team } from '../teams/team.entity';
import { TeamMember } from '../teams/team-member.entity';
import { User } from './user.entity';
import { CreateUserDto, UpdateUserDto } from './users.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly availability: AvailabilityService,
  ) {}

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

  /**
   * An admin changes a user's role, teams (the full list) or whether they are active. The account always keeps an
   * active admin, and nobody deactivates or demotes themselves (they would lock themselves out halfway through).
   */
  async update(accountId: string, actorId: string, userId: string, input: UpdateUserDto): Promise<User> {
    let deactivatedNow = false;
    const updated = await this.dataSource.transaction(async (tx) => {
      const users = tx.getRepository(User);
      // Locked: two admins demoting each other at once still leave one.
      const user = await users.findOne({ where: { accountId, id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundException('No such user in this account');
      const demoted = input.role !== undefined && input.role !== 'admin' && user.role === 'admin';
      const deactivated = input.active === false && user.deactivatedAt === null;
      if ((demoted || deactivated) && userId === actorId)
        throw new UnprocessableEntityException(
          deactivated ? 'You cannot deactivate yourself' : 'You cannot take your own admin role away',
        );
      if ((demoted || deactivated) && user.role === 'admin') {
        // Rows locked (FOR UPDATE takes no count(*)): a concurrent demotion of the other admin waits for this one.
        const otherAdmins = await users.find({
          select: { id: true },
          where: { accountId, role: 'admin', deactivatedAt: IsNull(), id: Not(userId) },
          lock: { mode: 'pessimistic_write' },
        });
        if (otherAdmins.length === 0)
          throw new UnprocessableEntityException('The account needs at least one active admin');
      }
      if (input.role !== undefined) user.role = input.role;
      deactivatedNow = deactivated;
      if (input.active !== undefined) user.deactivatedAt = input.active ? null : (user.deactivatedAt ?? new Date());
      await users.save(user);
      if (input.teamIds !== undefined) {
        const teamIds = [...new Set(input.teamIds)];
        const teams = teamIds.length
          ? await tx.getRepository(Team).find({ where: { accountId, id: In(teamIds) } })
          : [];
        if (teams.length !== teamIds.length)
          throw new NotFoundException('One of teamIds is not a team of this account');
        await tx.getRepository(TeamMember).delete({ accountId, userId });
        if (teams.length)
          await tx.getRepository(TeamMember).insert(teams.map((t) => ({ teamId: t.id, userId, accountId })));
      }
      return user;
    });
    // Texts to their direct numbers reach their teams from now on, as for anyone away.
    if (deactivatedNow) await this.availability.setStatus(accountId, userId, 'away');
    return updated;
  }
}
