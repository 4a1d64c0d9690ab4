// The figures both loads write to SUMMARY: requests, their statuses,
// iterations k6 could not start in time, and latency.
export function handleSummary(data) {
  const value = (name, field) => (data.metrics[name] ? data.metrics[name].values[field] : 0);
  const summary = {
    requests: value('http_reqs', 'count'),
    status_200: value('status_200', 'count'),
    status_other: value('status_other', 'count'),
    dropped: value('dropped_iterations', 'count'),
    p50_ms: value('http_req_duration', 'p(50)'),
    p99_ms: value('http_req_duration', 'p(99)'),
    max_ms: value('http_req_duration', 'max'),
  };
  return { [__ENV.SUMMARY]: JSON.stringify(summary) };
}
