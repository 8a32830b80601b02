/**
 * The captioner's public surface (Show, Attend and Tell; soft and hard attention):
 *
 * - loadCaptioner(dir)                       a checkpoint folder or its model.json (format 'captioner')
 * - captionImage(bundle, pixels, args)       caption word by word + each word's map [T, side, side]
 * - evaluateCaptioner(bundle, scenes)        held-out naming and pointing (the issue's quality bars)
 * - captionStepModel(model, images)          the shared decoders' interface (greedy, beam)
 * - trainCaptioner(args)                     training into the shared run format
 */
export { captionBatch, captionObjective } from './captionTraining';
export { Captioner, type CaptionForwardResult } from './captioner';
export { captionStepModel } from './captionStepModel';
export { CAPTIONER_FORMAT, loadCaptioner, saveCaptioner, type CaptionerBundle } from './checkpoint';
export { CAPTION_WORDS, captionTokenizer, resolveCaptionerConfig, type CaptionAttention, type CaptionerArgs, type CaptionerConfig } from './config';
export { evaluateCaptioner, type CaptionEvalResult } from './evaluateCaptioner';
export { captionImage, type CaptionImageArgs } from './capture';
export { trainCaptioner, type TrainCaptionerArgs } from './trainCaptioner';
