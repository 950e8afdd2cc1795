import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from '../users/user.entity';
import { Team } from './team.entity';
import { TeamMember } from './team-member.entity';

@Injectable()
export class TeamsService {
  constructor(
    @InjectRepository(Team) private readonly teams: Repository<Team>,
    @InjectRepository(TeamMember) private readonly members: Repository<TeamMember>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async create(accountId: string, name: string): Promise<Team> {
    if (await this.teams.exists({ where: { accountId, name } }))
      throw new ConflictException(`A team named ${name} already exists`);
    return this.teams.save(this.teams.create({ accountId, name }));
  }

  async list(accountId: string) {
    const teams = await this.teams.find({ where: { accountId }, order: { name: 'ASC' } });
    const members = await this.members.find({ where: { accountId } });
    return teams.map((t) => ({
      id: t.id,
      name: t.name,
      memberIds: members.filter((m) => m.teamId === t.id).map((m) => m.userId),
    }));
  }

  async addMember(accountId: string, teamId: string, userId: string): Promise<void> {
    if (!(await this.teams.exists({ where: { accountId, id: teamId } })))
      throw new NotFoundException('No such team in this account');
    if (!(await this.users.exists({ where: { accountId, id: userId } })))
      throw new NotFoundException('No such user in this account');
    await this.members.upsert({ teamId, userId, accountId }, ['teamId', 'userId']);
  }
}
