export * from './types';
export * from './errors';
export * from './define';
export * from './list';
