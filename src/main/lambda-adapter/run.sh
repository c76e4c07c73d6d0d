#!/bin/sh
# The streaming function's handler (template.yaml, StreamingFunction): the Lambda Web Adapter's wrapper
# (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap) runs this instead of Lambda's Java runtime; it starts the server build,
# which listens on AWS_LWA_PORT and answers the adapter's readiness check on AWS_LWA_READINESS_CHECK_PATH.
# Lambda's Java runtime options are not applied to a custom command: these are the ones that matter for start-up.
exec java -XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$(dirname "$0")/quarkus-run.jar"
