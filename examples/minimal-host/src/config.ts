/** Everything this helpdesk reads from its environment, read once when a module asks for it. */
export interface HostConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  publicUrl: string;
  port: number;
  storageDir: string;
}

export function hostConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/minimal_host',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: env.QUEUE_PREFIX ?? 'minimal-host',
    publicUrl: env.PUBLIC_URL ?? 'http://localhost:3000',
    port: Number(env.PORT ?? 3000),
    storageDir: env.STORAGE_DIR ?? './var/storage',
  };
}
