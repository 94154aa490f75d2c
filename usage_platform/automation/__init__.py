"""Automation: landing sensors start files moving, declarative automation carries changes
downstream, and failed runs are reported through a notifier (DESIGN.md §6)."""

from usage_platform.automation.build import build_automation, with_automation

__all__ = ["build_automation", "with_automation"]
