// The public API of tensorloader.
export { DataLoader, type DataLoaderOptions, type LoaderStats, type LoaderState } from './loader.js';
export { formatStats, boundBy, STAGES, type StageTimes, type LoopTimes } from './stats.js';
export { Batch, type BatchField, type BatchFields } from './batch.js';
export { defaultCollate, type Tensor, type TypedArray } from './collate.js';
export { IterableDataset, isMapDataset, type MapDataset } from './js-dataset.js';
export { TextTensorDataset, type TextTensorDatasetOptions } from './datasets/text-tensor-dataset.js';
export { ImageFilesDataset, ImageFolderDataset, IMAGE_EXTENSIONS, type ImageFilesOptions, type ImageFolderOptions, type ClassEntry } from './datasets/image-dataset.js';
export type { ImagePipelineOptions } from './datasets/image-options.js';
export { NpyDataset, type NpyDType, type ArrayOfNpy, type NpyFieldPath } from './datasets/npy-dataset.js';
export { FieldsDataset, type FieldsDatasetOptions, type FieldsOfParts, type LabelsOfParts } from './datasets/fields-dataset.js';
export { IdxDataset, FASHION_MNIST_CLASSES, type IdxDatasetOptions, type IdxFields, type IdxLabels, type IdxItem } from './datasets/idx-dataset.js';
export { TokenDataset, type TokenDatasetOptions, type TokenFields, type TokenOutput } from './datasets/token-dataset.js';
export { PackedDataset, type PackedDatasetOptions, type PackedFieldsOption, type PackedFields, type PackedLabels, type VerifyReport } from './datasets/packed-dataset.js';
export { pack, shardPaths, type PackOptions, type PackResult } from './pack/pack.js';
export type { PackMeta, PackFieldMeta } from './pack/meta.js';
export type { ProgressState } from './progress.js';
export { isNativeDataset, type NativeDataset, type DType, type BatchArray, type FieldSpec, type FieldArrays, type NoFields, type DTypeArrays, type ArrayOfDType, type BatchTypes } from './dataset.js';
export {
  SequentialSampler,
  RandomSampler,
  SubsetSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
  DistributedSampler,
  IterableSampler,
  BatchSampler,
  type Sampler,
  type IndexSource,
  type RandomSamplerOptions,
  type DistributedSamplerOptions,
} from './sampler.js';
export { Xoshiro128, shuffleInPlace } from './prng.js';
export { toTensor, toTfDataset, type TfModule, type TensorOf, type TfDType, type ToTensorOptions, type TfDatasetOptions, type TfPart } from './adapters/tfjs.js';
export { toOrtTensor, toOrtFeeds, type OrtModule, type OrtTensorOf, type ToOrtOptions } from './adapters/onnx.js';
export type { BatchPart } from './adapters/array.js';
export { TensorLoaderError, ItemError, BackpressureError } from './errors.js';
export { naturalCompare, listFiles } from './files.js';
export { memorySnapshot, nativeCounters, openDescriptorCount, residentSplit, type MemorySnapshot } from './memory.js';
export { binding as native } from './native.js';
export { audit, type AuditOptions, type AuditReport, type AuditTarget, type EpochFn, type SeriesVerdict } from './audit/audit.js';
export { reportTable, reportSvg } from './audit/report.js';
export { timingSvg, timingTable, timingBetween, type AuditTiming } from './audit/timing.js';
export { SERIES, fitGrowth, type SeriesName } from './audit/series.js';
export { WebDataset, type WebDatasetOptions, type SampleMeta, type ShardInfo, type FieldExtensions, type WebDatasetFields, type WebDatasetLabels, type AnyWebDataset } from './datasets/webdataset.js';
export { expandShards, isUrl, localShardPaths, MAX_SHARDS, type ShardSource } from './shards.js';
export { ShardOrderSampler, type ShardOrderOptions, type ShardOrderPlan, type ShardOrderState } from './shard-order.js';
export { ShardCache, RemoteError, isRemote, RemotePackedDataset, RemoteWebDataset, RemoteShardSet, RemoteShardLoader, rankShards, loadShardIndex, makeShardIndex, expandBraces, type CacheOptions, type ShardLease, type DownloadEvent, type RetryOptions, type S3Options, type RemoteSourceOptions, type RemotePackedOptions, type RemoteWebDatasetOptions, type ShardLoaderOptions, type StreamOptions, type ShardIndex, type IndexedShard } from './remote/index.js';
