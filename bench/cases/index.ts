/** Every benchmark case, in the order they run. Add a file's cases here. */
import type { BenchCase } from '../benchCase';
import { beamPanelCases } from './beamPanel';
import { captionerCases } from './captioner';
import { engineProcessCases } from './engineProcess';
import { hfGpt2Cases } from './hfGpt2';
import { imageCases } from './image';
import { imagePanelCases } from './imagePanel';
import { matmulCases } from './matmul';
import { pytorchParityCases } from './pytorchParity';
import { rnnSeq2seqCases } from './rnnSeq2seq';
import { runLoggingCases } from './runLogging';
import { safetensorsCases } from './safetensors';
import { textAttentionCases } from './textAttention';
import { transformerCases } from './transformer';
import { vscodeBrowserCases } from './vscodeBrowser';

export const allCases: BenchCase[] = [...engineProcessCases, ...matmulCases, ...imageCases, ...captionerCases, ...transformerCases, ...rnnSeq2seqCases, ...runLoggingCases, ...textAttentionCases, ...vscodeBrowserCases, ...beamPanelCases, ...imagePanelCases, ...pytorchParityCases, ...safetensorsCases, ...hfGpt2Cases];
