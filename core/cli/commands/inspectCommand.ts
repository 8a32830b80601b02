import { RpcError } from '../../../protocol/rpc';
import { summarizeCheckpoint } from '../../checkpoint/layersModelCheckpoint';
import type { CliCommand } from '../cliCommand';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'check a checkpoint (model.json + weights.bin) and print its weights as JSON',
  help: 'Usage: attention-debugger inspect <model.json or checkpoint folder>',
  options: {},
  run: async (_values, positionals) => {
    const target = positionals[0];
    if (!target) throw new RpcError('bad-request', 'inspect needs a path: attention-debugger inspect <model.json>');
    console.log(JSON.stringify(await summarizeCheckpoint(target), null, 2));
    return 0;
  },
};
