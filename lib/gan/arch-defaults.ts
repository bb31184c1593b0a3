/**
 * The DCGAN shape's defaults, written once: the config schema (`gan.arch`, where each field is
 * documented) and `DEFAULT_ARCH` of ./dcgan.ts both take them from here. A leaf module (no imports),
 * so the schema can use it without importing the GAN code.
 */
export const ARCH_DEFAULTS = { imageSize: 64, nz: 100, ngf: 64, ndf: 64, channels: 3, upsample: "resize" } as const;
