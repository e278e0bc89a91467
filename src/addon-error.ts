// The one error `import 'tensorloader'` throws when the native addon cannot be used. It is
// thrown while the package is being loaded, so callers recognise it by `name` and `code`.
import { TensorLoaderError } from './errors.js';

export class AddonLoadError extends TensorLoaderError {
  /** The platform key, as prebuilds/ and @img/sharp-libvips-* name it: linux-x64, darwin-arm64, ... */
  readonly platform: string;
  /** The platform keys this installed package holds prebuilt addons for. */
  readonly prebuilt: readonly string[];
  /** Each addon path tried and why it was not used. */
  readonly tried: readonly string[];

  /** code EPLATFORM: nothing for this platform; EADDON: an addon exists but does not load. */
  constructor(code: 'EPLATFORM' | 'EADDON', message: string, platform: string, prebuilt: readonly string[], tried: readonly string[]) {
    super(code, message);
    this.name = 'AddonLoadError';
    this.platform = platform;
    this.prebuilt = prebuilt;
    this.tried = tried;
  }
}
