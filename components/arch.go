package components

import "fmt"

// CPU architectures of the BFF, in Lambda's spelling.
const (
	ArchArm64  = "arm64"
	ArchX86_64 = "x86_64"
)

// DefaultArchitecture is the CPU architecture where nothing forces another:
// Graviton, for its price and performance on Lambda and Fargate.
const DefaultArchitecture = ArchArm64

// ArchitectureFor is the CPU architecture a stack's compute runs on. Fargate's
// FIPS-140 mode, which FedRAMP High needs in GovCloud, runs only X86_64 tasks
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html);
// everything else runs on arm64.
func ArchitectureFor(partition, compliance string) string {
	if partition == PartitionGovCloud && compliance == ComplianceFedRAMPHigh {
		return ArchX86_64
	}
	return DefaultArchitecture
}

// GoArch is GOARCH for an architecture.
func GoArch(arch string) string {
	if arch == ArchX86_64 {
		return "amd64"
	}
	return "arm64"
}

// ecsCpuArchitecture is the task definition's runtimePlatform.cpuArchitecture.
func ecsCpuArchitecture(arch string) string {
	if arch == ArchX86_64 {
		return "X86_64"
	}
	return "ARM64"
}

func validateArchitecture(field, arch string) error {
	if arch != ArchArm64 && arch != ArchX86_64 {
		return fmt.Errorf("%s %q must be %s or %s", field, arch, ArchArm64, ArchX86_64)
	}
	return nil
}
