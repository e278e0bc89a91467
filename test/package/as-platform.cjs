// Preloaded with `node --require` by scripts/package-smoke.sh to make this process report the
// platform in TL_AS_PLATFORM (e.g. darwin-arm64), as a package installed with
// `npm install --os=darwin --cpu=arm64` would see it there: the loader must then throw its
// documented AddonLoadError instead of trying the Linux prebuilds.
'use strict';
const [platform, arch] = String(process.env.TL_AS_PLATFORM).split('-');
if (!platform || !arch) throw new Error(`TL_AS_PLATFORM must be <platform>-<arch>, not ${process.env.TL_AS_PLATFORM}`);
Object.defineProperty(process, 'platform', { value: platform });
Object.defineProperty(process, 'arch', { value: arch });
