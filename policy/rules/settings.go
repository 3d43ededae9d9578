package rules

import (
	"strconv"
	"strings"
)

// Partitions and compliance levels the pack knows.
const (
	PartitionCommercial = "aws"
	PartitionGovCloud   = "aws-us-gov"

	ComplianceNone            = "none"
	ComplianceFedRAMPModerate = "fedramp-moderate"
	ComplianceFedRAMPHigh     = "fedramp-high"
)

// Settings are the partition and compliance level a rule judges against, and what the stack's
// configuration declares about the account.
type Settings struct {
	Partition  string
	Compliance string
	// ReservationsOptedIn says the configuration asks for Lambda reservations
	// (<project>:reservedConcurrency), and LambdaConcurrencyQuota is the account's
	// concurrency quota it declares (<project>:lambdaConcurrencyQuota).
	ReservationsOptedIn    bool
	LambdaConcurrencyQuota int
}

// GovCloud is true in the aws-us-gov partition.
func (s Settings) GovCloud() bool { return s.Partition == PartitionGovCloud }

// FedRAMP is true under any FedRAMP baseline, and always in GovCloud.
func (s Settings) FedRAMP() bool {
	return strings.HasPrefix(s.Compliance, "fedramp") || s.GovCloud()
}

// FedRAMPHigh is true under FedRAMP High, which GovCloud carries by baseline.
func (s Settings) FedRAMPHigh() bool {
	return s.Compliance == ComplianceFedRAMPHigh || s.GovCloud()
}

// PartitionOfRegion infers the partition from an AWS region name; empty when the region is empty.
func PartitionOfRegion(region string) string {
	switch {
	case region == "":
		return ""
	case strings.HasPrefix(region, "us-gov-"):
		return PartitionGovCloud
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return PartitionCommercial
}

// StackConfigKeys are the stack configuration keys StackSettings reads, for a project.
func StackConfigKeys(project string) []string {
	var keys []string
	namespaces := []string{"gatehouse"}
	if project != "" && project != "gatehouse" {
		namespaces = append(namespaces, project)
	}
	keys = append(keys, "aws:region")
	for _, ns := range namespaces {
		keys = append(keys, ns+":compliance", ns+":partition", ns+":reservedConcurrency", ns+":lambdaConcurrencyQuota")
	}
	return keys
}

// StackSettings derives settings from a stack's configuration (keys like "aws:region" and
// "<project>:compliance"): the partition from the region, the compliance level as configured,
// and FedRAMP High for GovCloud when nothing says otherwise.
func StackSettings(config map[string]string) Settings {
	var s Settings
	explicitPartition := ""
	for key, value := range config {
		switch {
		case key == "aws:region":
			s.Partition = PartitionOfRegion(value)
		case strings.HasSuffix(key, ":compliance") && !strings.HasPrefix(key, "aws:"):
			s.Compliance = strings.TrimSpace(value)
		case strings.HasSuffix(key, ":partition") && !strings.HasPrefix(key, "aws:"):
			explicitPartition = strings.TrimSpace(value)
		case strings.HasSuffix(key, ":reservedConcurrency"):
			n, err := strconv.Atoi(strings.TrimSpace(value))
			s.ReservationsOptedIn = s.ReservationsOptedIn || (err == nil && n > 0)
		case strings.HasSuffix(key, ":lambdaConcurrencyQuota"):
			if n, err := strconv.Atoi(strings.TrimSpace(value)); err == nil {
				s.LambdaConcurrencyQuota = n
			}
		}
	}
	if explicitPartition != "" {
		s.Partition = explicitPartition
	}
	return s.withDefaults()
}

// merge fills the empty fields of s from fallback.
func (s Settings) merge(fallback Settings) Settings {
	if s.Partition == "" {
		s.Partition = fallback.Partition
	}
	if s.Compliance == "" {
		s.Compliance = fallback.Compliance
	}
	s.ReservationsOptedIn = s.ReservationsOptedIn || fallback.ReservationsOptedIn
	if s.LambdaConcurrencyQuota == 0 {
		s.LambdaConcurrencyQuota = fallback.LambdaConcurrencyQuota
	}
	return s
}

func (s Settings) withDefaults() Settings {
	if s.Partition == "" {
		s.Partition = PartitionCommercial
	}
	if s.Compliance == "" {
		s.Compliance = ComplianceNone
		if s.Partition == PartitionGovCloud {
			s.Compliance = ComplianceFedRAMPHigh
		}
	}
	return s
}

// settingsFromPolicyConfig reads the "partition" and "compliance" policy config properties.
func settingsFromPolicyConfig(config map[string]any) Settings {
	text := func(key string) string {
		if v, ok := config[key].(string); ok {
			return strings.TrimSpace(v)
		}
		return ""
	}
	return Settings{Partition: text("partition"), Compliance: text("compliance")}
}

// providerRegion is the region of the provider that manages r, when the engine says.
func providerRegion(r Resource) string {
	v := r.Provider.Properties.Get("region")
	if v.IsString() {
		return v.AsString()
	}
	return ""
}
