/**
 * The captioner: CNN feature grid (cnnEncoder.ts) + attentional LSTM (captionDecoder.ts).
 * `forward` is teacher-forced (training, and the per-word maps of a known caption); `begin` /
 * `decodeStep` / `reorder` serve the shared decoders through captionStepModel.ts.
 *
 * Maps: [B, T, L] with L = side x side grid locations, row-major (l = y * side + x); each row sums to 1.
 */
import * as tf from '@tensorflow/tfjs';
import { pickRows } from '../../nn/pickRows';
import { RpcError } from '../../../protocol/rpc';
import { Rng } from '../../util/rng';
import type { RecurrentState } from '../../nn/recurrentCell';
import { ParamStore } from '../../nn/paramStore';
import { CaptionDecoder, type GridMemory, type LocationChoice } from './captionDecoder';
import { CnnEncoder } from './cnnEncoder';
import { gridSide, resolveCaptionerConfig, type CaptionerArgs, type CaptionerConfig } from './config';

export interface CaptionForwardResult {
  /** [B, T, V] */
  logits: tf.Tensor3D;
  /** [B, T, L] per-word attention maps. */
  maps: tf.Tensor3D;
  /** Hard attention: [B, T] log-probability of each chosen location. */
  logChosen?: tf.Tensor2D;
  /** Hard attention: chosen location per word, [B][T]. */
  chosen?: number[][];
}

export interface CaptionDecodingState {
  memory: GridMemory;
  rnn: RecurrentState;
  /** [B, L] the last word's map (the distance prior's input); absent before the first word. */
  previousMap?: tf.Tensor2D;
}

export class Captioner {
  readonly config: CaptionerConfig;
  readonly params: ParamStore;
  readonly encoder: CnnEncoder;
  readonly decoder: CaptionDecoder;

  constructor(args: CaptionerArgs, seed = 1) {
    this.config = resolveCaptionerConfig(args);
    this.params = new ParamStore(new Rng(seed));
    this.encoder = new CnnEncoder(this.params, 'encoder', { imageSize: this.config.imageSize, channels: this.config.channels, poolLast: this.config.poolLast, positionDim: this.config.positionDim });
    this.decoder = new CaptionDecoder(this.params, 'decoder', this.config, this.encoder.featureDim);
  }

  /** Side of the attention grid (maps reshape to [side, side]). */
  get gridSide(): number {
    return gridSide(this.config);
  }

  /**
   * Teacher forcing: images [B, S, S, 3], targetIn [B, T] (BOS + caption). Hard attention samples
   * its locations with `rng` when given (training), else takes the argmax.
   */
  forward(images: tf.Tensor4D, targetIn: tf.Tensor2D, rng?: Rng): CaptionForwardResult {
    if (targetIn.rank !== 2 || targetIn.shape[0] !== images.shape[0]) throw new RpcError('invalid-input', `captioner: targetIn must be [${images.shape[0]}, T], got [${targetIn.shape}]`);
    const choice: LocationChoice = rng ? { kind: 'sample', rng } : { kind: 'argmax' };
    const chosen: Int32Array[] = [];
    const r = tf.tidy(() => {
      const start = this.decoder.begin(this.encoder.encode(images));
      let state = start.state;
      const logits: tf.Tensor2D[] = [];
      const maps: tf.Tensor2D[] = [];
      const logChosen: tf.Tensor1D[] = [];
      for (const tokens of tf.unstack(targetIn, 1) as tf.Tensor1D[]) {
        const s = this.decoder.step(start.memory, state, tokens, choice, maps[maps.length - 1]);
        state = s.state;
        logits.push(s.logits);
        maps.push(s.map);
        if (s.logChosen && s.chosen) {
          logChosen.push(s.logChosen);
          chosen.push(s.chosen);
        }
      }
      return {
        logits: tf.stack(logits, 1) as tf.Tensor3D, // [B, T, V]
        maps: tf.stack(maps, 1) as tf.Tensor3D, // [B, T, L]
        ...(logChosen.length ? { logChosen: tf.stack(logChosen, 1) as tf.Tensor2D } : {}), // [B, T]
      };
    });
    if (!chosen.length) return r;
    const B = images.shape[0];
    return { ...r, chosen: Array.from({ length: B }, (_, b) => chosen.map((c) => c[b])) };
  }

  /** Encodes images [B, S, S, 3] for incremental decoding. */
  begin(images: tf.Tensor4D): CaptionDecodingState {
    const r = tf.tidy(() => {
      const { memory, state } = this.decoder.begin(this.encoder.encode(images));
      return { ...memory, h: state.h, c: state.c as tf.Tensor2D };
    });
    const { h, c, ...memory } = r;
    return { memory, rnn: { h, c } };
  }

  /** Feeds tokens [B]; log-probabilities [B, V] and the word's map [B, L] (hard attention: argmax location). */
  decodeStep(state: CaptionDecodingState, tokens: tf.Tensor1D): { logProbs: tf.Tensor2D; map: tf.Tensor2D } {
    const r = tf.tidy(() => {
      const s = this.decoder.step(state.memory, state.rnn, tokens, { kind: 'argmax' }, state.previousMap);
      return { logProbs: tf.logSoftmax(s.logits) as tf.Tensor2D, map: s.map, h: s.state.h, c: s.state.c as tf.Tensor2D };
    });
    tf.dispose([state.rnn.h, state.rnn.c as tf.Tensor2D, ...(state.previousMap ? [state.previousMap] : [])]);
    state.rnn = { h: r.h, c: r.c };
    // The caller owns (and may dispose) the returned map; the state keeps its own copy.
    state.previousMap = r.map.clone();
    return { logProbs: r.logProbs, map: r.map };
  }

  reorder(state: CaptionDecodingState, indices: number[]): void {
    pickRows(indices, (pick) => {
      const m = state.memory;
      // The distance matrix is the same for every row.
      state.memory = { features: pick(m.features), projected: pick(m.projected), mask: pick(m.mask), ...(m.distanceMatrix ? { distanceMatrix: m.distanceMatrix } : {}) };
      state.rnn = { h: pick(state.rnn.h), c: pick(state.rnn.c as tf.Tensor2D) };
      if (state.previousMap) state.previousMap = pick(state.previousMap);
    });
  }

  disposeState(state: CaptionDecodingState): void {
    const m = state.memory;
    tf.dispose([m.features, m.projected, m.mask, ...(m.distanceMatrix ? [m.distanceMatrix] : []), state.rnn.h, state.rnn.c as tf.Tensor2D, ...(state.previousMap ? [state.previousMap] : [])]);
  }

  dispose(): void {
    this.decoder.dispose();
    this.params.dispose();
  }
}
