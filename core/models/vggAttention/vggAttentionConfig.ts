/** VGG-16 with attention gates: hyper-parameters and the defaults the demo checkpoint uses. */
import { z } from 'zod';

/** VGG-16's conv widths per block (13 convs in 5 blocks of 2, 2, 3, 3, 3). */
export const VGG16_WIDTHS = [64, 128, 256, 512, 512] as const;
export const VGG16_CONVS_PER_BLOCK = [2, 2, 3, 3, 3] as const;

export const VggAttentionConfig = z.object({
  /** Input side in pixels; a multiple of 32 (five 2x2 pools). */
  imageSize: z.number().int().min(32).max(512).default(64),
  /** Scales VGG-16's widths (64 ... 512) for CPU use; each width is at least 4. */
  widthMultiplier: z.number().positive().max(1).default(1 / 16),
  /** Channels of the gates' compatibility space (the convolutions on L and g). 0: pool4's width. */
  attentionChannels: z.number().int().nonnegative().default(0),
  /** Non-linearity between adding L and upsampled g and the 1-channel convolution: 'relu' (as in the
   * common implementation) or 'none' (the paper's linear compatibility). */
  gateActivation: z.enum(['relu', 'none']).default('relu'),
  /** Which features of blocks 3 and 4 the gates read as L: 'before-pool' (conv3_3 and conv4_3, grids
   * of imageSize/4 and /8) or 'after-pool' (pool3 and pool4, /8 and /16). Before the pools a gate
   * cell spans 4 px instead of 8 on a 64x64 scene, so the cell the gate weighs most has its centre
   * on the object it attends to: the pool3 gate's maximum cell overlapped the target's box for 86-96%
   * of held-out scenes but had its centre in the box for only ~70%. */
  gatePlacement: z.enum(['after-pool', 'before-pool']).default('before-pool'),
  /** Training only: the probability that, for an example, one of the two attended vectors (chosen
   * at random) is zeroed before the classifier, so each gate must find the object on its own.
   * 0 turns it off. Inference always uses both. */
  gateDropout: z.number().min(0).max(1).default(0),
  numClasses: z.number().int().min(2).max(1000).default(5),
  seed: z.number().int().nonnegative().default(1),
});
export type VggAttentionConfig = z.infer<typeof VggAttentionConfig>;
export type VggAttentionArgs = z.input<typeof VggAttentionConfig>;

/** Checkpoints saved before `gatePlacement` existed gated pool3 and pool4; a config read from such a
 * file must not pick up today's default, since the weights have the same shapes either way and the
 * model would load silently with its gates on the wrong layers. */
export const VGG_CHECKPOINT_LEGACY_DEFAULTS: Partial<VggAttentionArgs> = { gatePlacement: 'after-pool' };

export function resolveVggAttentionConfig(args: VggAttentionArgs = {}): VggAttentionConfig {
  const c = VggAttentionConfig.parse(args);
  if (c.imageSize % 32 !== 0) throw new Error(`VGG-attention imageSize ${c.imageSize} is not a multiple of 32`);
  return c;
}

export function vggWidths(c: VggAttentionConfig): number[] {
  return VGG16_WIDTHS.map((w) => Math.max(4, Math.round(w * c.widthMultiplier)));
}
