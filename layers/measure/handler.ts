// The handler the layer measurement bundles: Powertools logger + metrics, as every function of the platform uses them.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const logger = new Logger({ serviceName: 'layer-measure' });
const metrics = new Metrics({ namespace: 'AbhiEwa', serviceName: 'layer-measure' });

export const handler = async (): Promise<{ statusCode: number }> => {
  metrics.addMetric('Measured', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.info('measured');
  return { statusCode: 200 };
};
