/**
 * `npm run stack:up|down|status|install`: the local stack for `npm start` (persistent, default ports).
 * Tests start their own instance on free ports through the same functions.
 */
import { loadConfig, loadDotEnv } from '../../services/config';
import { installAll } from './install';
import { toolPaths } from './paths';
import { stackDown, stackStatus, stackUp } from './stack';
import { devCodecServerUrl } from '../dev/codec';

const say = (line: string) => console.log(`[stack] ${line}`);

async function main(command: string | undefined): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const tools = toolPaths(config.cacheDir);
  switch (command) {
    case 'install':
      await installAll(say, tools);
      say(`servers installed under ${tools.cache}`);
      return;
    case 'up': {
      // The UI decodes through the codec server that `npm start` runs on this stack.
      const uiCodecEndpoint = devCodecServerUrl(config);
      const { endpoints } = await stackUp({ dir: config.stackDir, ports: config.ports, persistent: true, ui: true, reuse: config.reuse, tools, uiCodecEndpoint, say });
      say(`Kafka      ${endpoints.kafkaBrokers}`);
      say(`Temporal   ${endpoints.temporalAddress}${endpoints.temporalUiUrl ? `   UI ${endpoints.temporalUiUrl}` : ''}`);
      say(`Redis      ${endpoints.redisUrl}`);
      say(`data and logs: ${config.stackDir}`);
      return;
    }
    case 'down':
      await stackDown({ dir: config.stackDir, say });
      return;
    case 'status':
      for (const s of await stackStatus({ dir: config.stackDir, ports: config.ports, reuse: config.reuse })) {
        say(`${s.name.padEnd(9)} ${s.state.padEnd(8)} ${s.pid ? `pid ${s.pid}`.padEnd(11) : ''.padEnd(11)} ${s.address}`);
      }
      return;
    default:
      throw new Error(`usage: stack <up|down|status|install> (got '${command ?? ''}')`);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(`[stack] error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
