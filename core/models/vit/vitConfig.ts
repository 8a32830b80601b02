/** The ViT's hyper-parameters, with the defaults the demo checkpoint and the quality bars use. */
import { z } from 'zod';

export const VitConfig = z.object({
  /** Input side in pixels (images are resized to it). */
  imageSize: z.number().int().min(8).max(512).default(64),
  /** Patch side in pixels; imageSize must be a multiple. */
  patchSize: z.number().int().min(1).max(64).default(8),
  /** Token width d_model. */
  dim: z.number().int().min(4).max(1024).default(64),
  /** Encoder blocks. */
  depth: z.number().int().min(1).max(24).default(4),
  /** Attention heads per block; dim must be a multiple. */
  heads: z.number().int().min(1).max(32).default(4),
  /** Hidden width of each block's MLP. */
  mlpDim: z.number().int().min(4).max(4096).default(128),
  numClasses: z.number().int().min(2).max(1000).default(5),
  /** Seed of the weight initialisation. */
  seed: z.number().int().nonnegative().default(1),
});
export type VitConfig = z.infer<typeof VitConfig>;
export type VitArgs = z.input<typeof VitConfig>;

export function resolveVitConfig(args: VitArgs = {}): VitConfig {
  const c = VitConfig.parse(args);
  if (c.imageSize % c.patchSize !== 0) throw new Error(`ViT imageSize ${c.imageSize} is not a multiple of patchSize ${c.patchSize}`);
  if (c.dim % c.heads !== 0) throw new Error(`ViT dim ${c.dim} is not a multiple of heads ${c.heads}`);
  return c;
}

/** Patches per side. */
export function vitGrid(c: VitConfig): number {
  return c.imageSize / c.patchSize;
}
