import AgoraWire
import Foundation

/// A change being rolled out to one app, visible at `/v2/deployments` until the app has converged.
public struct Deployment: Sendable {
    public let id: String
    public let appID: String
    public let version: Date
    public let action: DeploymentAction
    /// The definition before the change, for a rollback; nil when the app is new.
    public let previous: AppDefinition?

    /// Marathon's deployment object.
    var json: JSONValue {
        let step: JSONValue = .object([("actions", .array([.object([("action", .string(action.rawValue)), ("app", .string(appID))])]))])
        return .object([
            ("id", .string(id)),
            ("version", .string(MarathonDate.format(version))),
            ("affectedApps", .array([.string(appID)])),
            ("affectedPods", .array([])),
            ("steps", .array([step])),
            ("currentActions", .array([.object([("action", .string(action.rawValue)), ("app", .string(appID))])])),
            ("currentStep", .integer(1)),
            ("totalSteps", .integer(1)),
        ])
    }
}

/// Why an app's instances are waiting, from the offers its last launch attempts saw.
public struct LaunchStats: Sendable {
    public var offersSeen = 0
    public var rejections: [String: Int] = [:]
    public var lastSeen: Date?
}

/// What a deployment does to its app, in Marathon's words.
public enum DeploymentAction: String, Sendable, CaseIterable {
    case start = "StartApplication"
    case restart = "RestartApplication"
    case scale = "ScaleApplication"
    case stop = "StopApplication"
    case rollback = "RollbackApplication"

    /// The action that brings `base` (nil for a new app) to `app`.
    static func changing(_ base: AppDefinition?, to app: AppDefinition) -> DeploymentAction {
        guard let base else { return .start }
        return base.needsRestart(comparedTo: app) ? .restart : .scale
    }
}
