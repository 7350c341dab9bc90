export { sourceChecks, type KitContext, type SourceCheck } from './checks';
export { goldenFixtures, type GoldenFixture } from './golden';
export { installSourceKitHost, sourceKitHost, type KitGateway, type KitGatewayRequest, type KitRecord, type KitResponse, type SourceKitHost } from './host';
export { checkSource, runSourceConformance } from './run';
