# pytest options of the vfio-plat labgrid module (test_vfio_plat_plan.py): which plan to run, where vfio-plat lives on
# the target, and whether to copy a vfio-plat tree there first. Each option also reads an environment variable, so a
# farm's job definition can set them without editing the command line. docs/farm.md explains them.
import os


def pytest_addoption(parser):
    group = parser.getgroup("vfio-plat")
    group.addoption(
        "--vfio-plat-plan",
        default=os.environ.get("VFIO_PLAT_PLAN", "examples/plans/virt-noiommu.yaml"),
        help="the plan, relative to the vfio-plat tree (read on this host for the case ids, run on the target) "
        "[VFIO_PLAT_PLAN; default examples/plans/virt-noiommu.yaml]",
    )
    group.addoption(
        "--vfio-plat-dir",
        default=os.environ.get("VFIO_PLAT_DIR"),
        help="a vfio-plat tree on this host to copy to the target (through the target's SSHDriver) before the plan "
        "runs; without it vfio-plat must already be on the target (the lab's initramfs has it) [VFIO_PLAT_DIR]",
    )
    group.addoption(
        "--vfio-plat-remote",
        default=os.environ.get("VFIO_PLAT_REMOTE", "/opt/vfio-plat"),
        help="where the vfio-plat tree is on the target [VFIO_PLAT_REMOTE; default /opt/vfio-plat]",
    )
    group.addoption(
        "--vfio-plat-cmd",
        default=os.environ.get("VFIO_PLAT_CMD"),
        help="how to run vfio-plat on the target [VFIO_PLAT_CMD; default: `vfio-plat` when the tree was not copied, "
        "else `bun REMOTE/src/cli/main.ts`]",
    )
