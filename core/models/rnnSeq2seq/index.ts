/**
 * The RNN seq2seq's public surface (Bahdanau / Luong attention), for the engine and the CLI:
 *
 * - loadRnnSeq2seq(dir)                                  a checkpoint folder or its model.json (format 'rnn-seq2seq')
 * - captureRnnAttention(bundle, source, target?, opts)   the alignment as one 'cross' map [1, 1, T, S]
 * - greedyDecode(rnnStepModel(...), args)                batched greedy with the recurrent state
 * - trainRnnSeq2seq(args)                                training into the shared run format
 */
export { loadRnnSeq2seq, RNN_SEQ2SEQ_FORMAT, saveRnnSeq2seq, type RnnSeq2seqBundle } from './checkpoint';
export { resolveRnnSeq2seqConfig, type RnnSeq2seqArgs, type RnnSeq2seqConfig } from './config';
export { evaluateRnnSeq2seq, rnnAlignmentShare } from './evaluate';
export { captureRnnAttention, encodeRnnSource, type RnnCaptureOptions } from './capture';
export { RnnSeq2seq, type RnnDecodingState, type RnnForwardResult } from './rnnSeq2seq';
export { rnnStepModel } from './stepModel';
export { trainRnnSeq2seq, type TrainRnnSeq2seqArgs } from './trainRnnSeq2seq';
