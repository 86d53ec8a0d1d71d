package topologytest

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MetricSum fetches the collector's Prometheus metrics and returns the sum
// of every sample of the metric name (all label sets). A counter may carry
// the suffix _total or not, depending on the exporter's settings: name
// matches both.
func (c *Collector) MetricSum(name string) (float64, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + c.MetricsEndpoint + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("%s metrics: %w", c.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s metrics: %s", c.Name, resp.Status)
	}
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := strings.TrimPrefix(line[len(name):], "_total")
		if rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // a longer name with this prefix
		}
		f := strings.Fields(line[strings.LastIndexByte(line, '}')+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s metrics: line %q: %w", c.Name, line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}
