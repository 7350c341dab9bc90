import { installSourceKitHost } from '../../sources/sdk/conformance/host';

// Sources may not import the gateway (lint), so the source conformance kit gets it from here:
// loaded only when a kit runs.
installSourceKitHost(async () => (await import('../../services/gateway/testing/source-kit-host')).gatewayKitHost);
